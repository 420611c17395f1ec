import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors, ApiIdParam } from '../common/api-responses.decorator';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { Auth, AuthContext } from '../common/request-context';
import { UserResponseDto } from '../users/dto/user-response.dto';
import {
  CreateOrganizationDto,
  OrganizationResponseDto,
  UpdateOrganizationDto,
} from './dto/organization.dto';
import { OrgsService } from './orgs.service';

@ApiTags('organizations')
@Controller('organizations')
export class OrgsController {
  constructor(private readonly orgs: OrgsService) {}

  @Post()
  @ApiOperation({ summary: 'Create an organization (admin or superuser)' })
  @ApiBody({
    type: CreateOrganizationDto,
    examples: {
      org: {
        summary: 'Organization 1',
        value: { name: 'Example Org', description: 'The team running the examples' },
      },
    },
  })
  @ApiCreatedResponse({ type: OrganizationResponseDto })
  @ApiErrors([400, 'Invalid input, or the name is taken'], 401, 403)
  create(@Auth() auth: AuthContext, @Body() dto: CreateOrganizationDto): Promise<OrganizationResponseDto> {
    return this.orgs.create(auth, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List organizations (superusers: all; others: their own)' })
  @ApiOkResponse({ type: OrganizationResponseDto, isArray: true })
  @ApiErrors(401)
  list(@Auth() auth: AuthContext): Promise<OrganizationResponseDto[]> {
    return this.orgs.list(auth.user);
  }

  @Get(':organization_id')
  @ApiOperation({ summary: 'Get an organization (members and superusers)' })
  @ApiIdParam('organization_id', 1)
  @ApiOkResponse({ type: OrganizationResponseDto })
  @ApiErrors(400, 401, 403, 404)
  get(
    @Auth() auth: AuthContext,
    @Param('organization_id', ParseIdPipe) id: number,
  ): Promise<OrganizationResponseDto> {
    return this.orgs.get(auth.user, id);
  }

  @Put(':organization_id')
  @ApiOperation({ summary: 'Update an organization (its admins and superusers)' })
  @ApiIdParam('organization_id', 1)
  @ApiBody({
    type: UpdateOrganizationDto,
    examples: {
      rename: {
        summary: 'A new name and description',
        value: { name: 'Example Organization', description: 'Renamed' },
      },
    },
  })
  @ApiOkResponse({ type: OrganizationResponseDto })
  @ApiErrors([400, 'Invalid input, or the name is taken'], 401, 403, 404)
  update(
    @Auth() auth: AuthContext,
    @Param('organization_id', ParseIdPipe) id: number,
    @Body() dto: UpdateOrganizationDto,
  ): Promise<OrganizationResponseDto> {
    return this.orgs.update(auth, id, dto);
  }

  @Delete(':organization_id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an organization without users (superuser)' })
  @ApiIdParam('organization_id', 1)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors([400, 'Invalid id, or the organization still has users'], 401, 403, 404, [
    409,
    'The organization still owns CAs, certificates or requests',
  ])
  remove(@Auth() auth: AuthContext, @Param('organization_id', ParseIdPipe) id: number): Promise<void> {
    return this.orgs.remove(auth, id);
  }

  @Post(':organization_id/users/:user_id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Add a user to the organization' })
  @ApiIdParam('organization_id', 1)
  @ApiIdParam('user_id', 2)
  @ApiOkResponse({ type: UserResponseDto, description: 'The user, now a member' })
  @ApiErrors(400, 401, 403, 404)
  addUser(
    @Auth() auth: AuthContext,
    @Param('organization_id', ParseIdPipe) id: number,
    @Param('user_id', ParseIdPipe) userId: number,
  ): Promise<UserResponseDto> {
    return this.orgs.addUser(auth, id, userId);
  }

  @Delete(':organization_id/users/:user_id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Remove a user from the organization' })
  @ApiIdParam('organization_id', 1)
  @ApiIdParam('user_id', 2)
  @ApiOkResponse({ type: UserResponseDto, description: 'The user, now without organization' })
  @ApiErrors(400, 401, 403, [404, 'No such organization, or the user is not a member'])
  removeUser(
    @Auth() auth: AuthContext,
    @Param('organization_id', ParseIdPipe) id: number,
    @Param('user_id', ParseIdPipe) userId: number,
  ): Promise<UserResponseDto> {
    return this.orgs.removeUser(auth, id, userId);
  }

  @Get(':organization_id/users')
  @ApiOperation({ summary: 'List the users of an organization (members and superusers)' })
  @ApiIdParam('organization_id', 1)
  @ApiOkResponse({ type: UserResponseDto, isArray: true })
  @ApiErrors(400, 401, 403, 404)
  listUsers(
    @Auth() auth: AuthContext,
    @Param('organization_id', ParseIdPipe) id: number,
  ): Promise<UserResponseDto[]> {
    return this.orgs.listUsers(auth.user, id);
  }
}
