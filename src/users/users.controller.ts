import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PaginationQueryDto } from '../common/pagination.dto';
import { OptionalAuth } from '../common/public.decorator';
import { Auth, AuthContext, Ctx, RequestContext } from '../common/request-context';
import { CreateUserDto } from './dto/create-user.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { toUserResponse, UserResponseDto } from './dto/user-response.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
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
  create(@Ctx() context: RequestContext, @Body() dto: CreateUserDto): Promise<UserResponseDto> {
    return this.users.create(context, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List all users (superuser)' })
  list(@Auth() auth: AuthContext, @Query() page: PaginationQueryDto): Promise<UserResponseDto[]> {
    return this.users.list(auth.user, page);
  }

  @Get('me')
  @ApiOperation({ summary: 'The current user' })
  me(@Auth() auth: AuthContext): UserResponseDto {
    return toUserResponse(auth.user);
  }

  @Get(':user_id')
  @ApiOperation({ summary: 'Get a user (self, admin of the same organization, superuser)' })
  get(@Auth() auth: AuthContext, @Param('user_id', ParseIdPipe) id: number): Promise<UserResponseDto> {
    return this.users.get(auth.user, id);
  }

  @Patch(':user_id')
  @ApiOperation({ summary: 'Update a user, field by field as the contract allows' })
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
  remove(@Auth() auth: AuthContext, @Param('user_id', ParseIdPipe) id: number): Promise<void> {
    return this.users.remove(auth, id);
  }
}
