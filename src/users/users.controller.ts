import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ParseIdPipe } from '../common/parse-id.pipe';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ALICE_CREDENTIALS } from '../common/api-examples';
import { ApiErrors, ApiIdParam } from '../common/api-responses.decorator';
import { PaginationQueryDto } from '../common/pagination.dto';
import { OptionalAuth } from '../common/public.decorator';
import { Auth, AuthContext, Ctx, RequestContext } from '../common/request-context';
import { CreateUserDto } from './dto/create-user.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserResponseDto } from './dto/user-response.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @OptionalAuth()
  @Post()
  @ApiOperation({
    summary: 'Create a user',
    description:
      'No token is needed for the very first user, which becomes a superuser unless it names a role. ' +
      'Afterwards a token is required unless ALLOW_UNAUTHENTICATED_REGISTRATION=true (role "user" only).',
  })
  @ApiBody({
    type: CreateUserDto,
    examples: {
      member: {
        summary: 'A user of organization 1 who may issue certificates and submit requests',
        value: {
          ...ALICE_CREDENTIALS,
          email: 'alice@example.com',
          role: 'user',
          organization_id: 1,
          can_create_cert: true,
          can_request_cert: true,
        },
      },
    },
  })
  @ApiCreatedResponse({ type: UserResponseDto })
  @ApiErrors(
    [400, 'Invalid input, a taken username or email, or an organization that does not exist'],
    [401, 'A token is needed: the first user exists and open registration is off, or the token is invalid'],
    [403, 'The caller may not create this user (role, organization or capabilities)'],
  )
  create(@Ctx() context: RequestContext, @Body() dto: CreateUserDto): Promise<UserResponseDto> {
    return this.users.create(context, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List all users (superuser)' })
  @ApiOkResponse({ type: UserResponseDto, isArray: true })
  @ApiErrors(400, 401, 403)
  list(@Auth() auth: AuthContext, @Query() page: PaginationQueryDto): Promise<UserResponseDto[]> {
    return this.users.list(auth.user, page);
  }

  @Get('me')
  @ApiOperation({ summary: 'The current user' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrors(401, [403, 'A service account: it is no user'])
  me(@Auth() auth: AuthContext): UserResponseDto {
    return this.users.me(auth.user);
  }

  @Get(':user_id')
  @ApiOperation({ summary: 'Get a user (self, admin of the same organization, superuser)' })
  @ApiIdParam('user_id', 2)
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrors(400, 401, 403, 404)
  get(@Auth() auth: AuthContext, @Param('user_id', ParseIdPipe) id: number): Promise<UserResponseDto> {
    return this.users.get(auth.user, id);
  }

  @Patch(':user_id')
  @ApiOperation({ summary: 'Update a user, field by field as the contract allows' })
  @ApiIdParam('user_id', 2)
  @ApiBody({
    type: UpdateUserDto,
    examples: {
      email: {
        summary: 'A new email address and one more capability',
        value: { email: 'alice@example.org', can_revoke_cert: true },
      },
    },
  })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrors(400, 401, 403, 404)
  update(
    @Auth() auth: AuthContext,
    @Param('user_id', ParseIdPipe) id: number,
    @Body() dto: UpdateUserDto,
  ): Promise<UserResponseDto> {
    return this.users.update(auth, id, dto);
  }

  @Delete(':user_id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a user (superuser; not yourself)' })
  @ApiIdParam('user_id', 2)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors([400, 'Invalid id, or the caller deleting themselves'], 401, 403, 404)
  remove(@Auth() auth: AuthContext, @Param('user_id', ParseIdPipe) id: number): Promise<void> {
    return this.users.remove(auth, id);
  }
}
