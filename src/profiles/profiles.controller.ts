import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
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
import { CreateProfileDto, ProfileResponseDto, UpdateProfileDto } from './dto/profile.dto';
import { ProfilesService } from './profiles.service';

@ApiTags('certificate profiles')
@Controller('profiles')
export class ProfilesController {
  constructor(private readonly profiles: ProfilesService) {}

  @Post()
  @ApiOperation({
    summary:
      'Create a certificate profile: what may be issued when it is named (needs can_create_ca, admin or superuser)',
  })
  @ApiBody({
    type: CreateProfileDto,
    examples: {
      web: {
        summary: 'Profile 1: TLS servers below example.com, EC or RSA ≥ 3072, at most 90 days, under CA 2',
        value: {
          name: 'web',
          description: 'Internal web servers',
          ca_ids: [2],
          certificate_types: ['server'],
          key_types: ['ec', 'rsa'],
          min_rsa_bits: 3072,
          allowed_dns: ['*.example.com', 'example.com'],
          allowed_ip_ranges: ['192.0.2.0/24'],
          allowed_subject_attributes: ['CN'],
          subject: { O: 'Example Org', C: 'US' },
          default_validity_days: 30,
          max_validity_days: 90,
          backdate_seconds: 60,
          issuer_lifetime: 'clamp',
        },
      },
      pipelines: {
        summary: 'Profile 2: CI pipelines of organization 1, servers below ci.internal, at most 30 days',
        value: {
          name: 'ci',
          organization_id: 1,
          certificate_types: ['server'],
          allowed_dns: ['*.ci.internal'],
          max_validity_days: 30,
        },
      },
    },
  })
  @ApiCreatedResponse({ type: ProfileResponseDto })
  @ApiErrors(
    [400, 'Invalid input: a field, a pattern, a CA outside the organization, or a taken name'],
    401,
    403,
  )
  create(@Auth() auth: AuthContext, @Body() dto: CreateProfileDto): Promise<ProfileResponseDto> {
    return this.profiles.create(auth, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List the profiles visible to the caller (its organization; superusers: all)' })
  @ApiOkResponse({ type: ProfileResponseDto, isArray: true })
  @ApiErrors(401)
  list(@Auth() auth: AuthContext): Promise<ProfileResponseDto[]> {
    return this.profiles.list(auth.user);
  }

  @Get(':profile_id')
  @ApiOperation({ summary: 'Get a profile' })
  @ApiIdParam('profile_id', 1, 'Profile 1 of the POST /profiles example')
  @ApiOkResponse({ type: ProfileResponseDto })
  @ApiErrors(400, 401, 403, 404)
  get(@Auth() auth: AuthContext, @Param('profile_id', ParseIdPipe) id: number): Promise<ProfileResponseDto> {
    return this.profiles.get(auth.user, id);
  }

  @Patch(':profile_id')
  @ApiOperation({ summary: 'Change some fields of a profile (the others stay as they are)' })
  @ApiIdParam('profile_id', 1, 'Profile 1 of the POST /profiles example')
  @ApiBody({
    type: UpdateProfileDto,
    examples: {
      longer: {
        summary: 'Allow up to 180 days, and client certificates too',
        value: { max_validity_days: 180, certificate_types: ['server', 'dual_purpose'] },
      },
    },
  })
  @ApiOkResponse({ type: ProfileResponseDto })
  @ApiErrors(400, 401, 403, 404)
  update(
    @Auth() auth: AuthContext,
    @Param('profile_id', ParseIdPipe) id: number,
    @Body() dto: UpdateProfileDto,
  ): Promise<ProfileResponseDto> {
    return this.profiles.update(auth, id, dto);
  }

  @Delete(':profile_id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a profile (its certificates keep profile_name; their profile_id becomes null)',
  })
  @ApiIdParam('profile_id', 1, 'Profile 1 of the POST /profiles example')
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 401, 403, 404)
  remove(@Auth() auth: AuthContext, @Param('profile_id', ParseIdPipe) id: number): Promise<void> {
    return this.profiles.remove(auth, id);
  }
}
