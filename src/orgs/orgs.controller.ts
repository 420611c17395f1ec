import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
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
@ApiBearerAuth()
@Controller('organizations')
export class OrgsController {
  constructor(private readonly orgs: OrgsService) {}

  @Post()
  @ApiOperation({ summary: 'Create an organization (admin or superuser)' })
  create(@Auth() auth: AuthContext, @Body() dto: CreateOrganizationDto): Promise<OrganizationResponseDto> {
    return this.orgs.create(auth, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List organizations (superusers: all; others: their own)' })
  list(@Auth() auth: AuthContext): Promise<OrganizationResponseDto[]> {
    return this.orgs.list(auth.user);
  }

  @Get(':organization_id')
  @ApiOperation({ summary: 'Get an organization (members and superusers)' })
  get(
    @Auth() auth: AuthContext,
    @Param('organization_id', ParseIdPipe) id: number,
  ): Promise<OrganizationResponseDto> {
    return this.orgs.get(auth.user, id);
  }

  @Put(':organization_id')
  @ApiOperation({ summary: 'Update an organization (its admins and superusers)' })
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
  remove(@Auth() auth: AuthContext, @Param('organization_id', ParseIdPipe) id: number): Promise<void> {
    return this.orgs.remove(auth, id);
  }

  @Post(':organization_id/users/:user_id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Add a user to the organization' })
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
  removeUser(
    @Auth() auth: AuthContext,
    @Param('organization_id', ParseIdPipe) id: number,
    @Param('user_id', ParseIdPipe) userId: number,
  ): Promise<UserResponseDto> {
    return this.orgs.removeUser(auth, id, userId);
  }

  @Get(':organization_id/users')
  @ApiOperation({ summary: 'List the users of an organization (members and superusers)' })
  listUsers(
    @Auth() auth: AuthContext,
    @Param('organization_id', ParseIdPipe) id: number,
  ): Promise<UserResponseDto[]> {
    return this.orgs.listUsers(auth.user, id);
  }
}
