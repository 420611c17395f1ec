import { Body, Controller, Get, Head, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../common/public.decorator';
import { Ctx, RequestContext } from '../common/request-context';
import { AcmeAccountsService } from './accounts/acme-accounts.service';
import { AcmeDirectory } from './acme-directory';
import { AcmeProfiles, AcmeServer } from './acme-profiles';
import { AcmeResponse } from './acme-response';
import { AcmeResponses } from './acme-responses';
import { AcmeRequestVerifier } from './jws/acme-request-verifier';
import { AcmeOrdersService } from './orders/acme-orders.service';
import { AcmeRenewalInfoService } from './renewal-info/acme-renewal-info.service';
import { AcmeRevocationsService } from './revocation/acme-revocations.service';
import { AcmeIdPipe } from './acme-id.pipe';

/**
 * The ACME server of each ACME-enabled profile, at /acme/{profile-slug}/ (RFC 8555 7.1): public (the
 * JWS is the credential), every answer with a fresh Replay-Nonce. Documented in docs/acme.md rather
 * than in /docs, whose bearer-token model it does not share.
 */
@ApiExcludeController()
@Public()
@Controller('acme/:slug')
export class AcmeController {
  constructor(
    private readonly profiles: AcmeProfiles,
    private readonly verifier: AcmeRequestVerifier,
    private readonly accounts: AcmeAccountsService,
    private readonly orders: AcmeOrdersService,
    private readonly revocations: AcmeRevocationsService,
    private readonly renewalInfos: AcmeRenewalInfoService,
    private readonly directory: AcmeDirectory,
    private readonly responses: AcmeResponses,
  ) {}

  @Get('directory')
  async getDirectory(@Param('slug') slug: string, @Res() res: Response): Promise<void> {
    const server = await this.profiles.serverFor(slug);
    await this.responses.send(res, server, { status: 200, body: this.directory.of(server) });
  }

  @Head('new-nonce')
  async headNonce(@Param('slug') slug: string, @Res() res: Response): Promise<void> {
    await this.responses.send(res, await this.profiles.serverFor(slug), { status: 200 });
  }

  @Get('new-nonce')
  async getNonce(@Param('slug') slug: string, @Res() res: Response): Promise<void> {
    await this.responses.send(res, await this.profiles.serverFor(slug), { status: 204 });
  }

  @Post('new-account')
  @HttpCode(200)
  async newAccount(
    @Param('slug') slug: string,
    @Body() body: unknown,
    @Ctx() context: RequestContext,
    @Res() res: Response,
  ): Promise<void> {
    await this.handle(slug, res, async (server) =>
      this.accounts.newAccount(
        await this.verifier.withJwk(server, server.urls.newAccount, body),
        context.clientAddress,
      ),
    );
  }

  @Post('account/:id')
  async account(
    @Param('slug') slug: string,
    @Param('id', AcmeIdPipe) id: number,
    @Body() body: unknown,
    @Ctx() context: RequestContext,
    @Res() res: Response,
  ): Promise<void> {
    await this.handle(slug, res, async (server) =>
      this.accounts.update(
        await this.verifier.withAccount(server, server.urls.account(id), body),
        id,
        context.clientAddress,
      ),
    );
  }

  @Post('account/:id/orders')
  async accountOrders(
    @Param('slug') slug: string,
    @Param('id', AcmeIdPipe) id: number,
    @Body() body: unknown,
    @Res() res: Response,
  ): Promise<void> {
    await this.handle(slug, res, async (server) =>
      this.orders.listOrders(
        await this.verifier.withAccount(server, `${server.urls.account(id)}/orders`, body),
        id,
      ),
    );
  }

  @Post('key-change')
  async keyChange(
    @Param('slug') slug: string,
    @Body() body: unknown,
    @Ctx() context: RequestContext,
    @Res() res: Response,
  ): Promise<void> {
    await this.handle(slug, res, async (server) =>
      this.accounts.keyChange(
        await this.verifier.withAccount(server, server.urls.keyChange, body),
        context.clientAddress,
      ),
    );
  }

  @Post('new-order')
  async newOrder(
    @Param('slug') slug: string,
    @Body() body: unknown,
    @Ctx() context: RequestContext,
    @Res() res: Response,
  ): Promise<void> {
    await this.handle(slug, res, async (server) =>
      this.orders.newOrder(
        await this.verifier.withAccount(server, server.urls.newOrder, body),
        context.clientAddress,
      ),
    );
  }

  @Post('order/:id')
  async order(
    @Param('slug') slug: string,
    @Param('id', AcmeIdPipe) id: number,
    @Body() body: unknown,
    @Res() res: Response,
  ): Promise<void> {
    await this.handle(slug, res, async (server) =>
      this.orders.order(await this.verifier.withAccount(server, server.urls.order(id), body), id),
    );
  }

  @Post('order/:id/finalize')
  async finalize(
    @Param('slug') slug: string,
    @Param('id', AcmeIdPipe) id: number,
    @Body() body: unknown,
    @Ctx() context: RequestContext,
    @Res() res: Response,
  ): Promise<void> {
    await this.handle(slug, res, async (server) =>
      this.orders.finalize(
        await this.verifier.withAccount(server, server.urls.finalize(id), body),
        id,
        context.clientAddress,
      ),
    );
  }

  @Post('authz/:id')
  async authorization(
    @Param('slug') slug: string,
    @Param('id', AcmeIdPipe) id: number,
    @Body() body: unknown,
    @Res() res: Response,
  ): Promise<void> {
    await this.handle(slug, res, async (server) =>
      this.orders.authorization(
        await this.verifier.withAccount(server, server.urls.authorization(id), body),
        id,
      ),
    );
  }

  @Post('chall/:id')
  async challenge(
    @Param('slug') slug: string,
    @Param('id', AcmeIdPipe) id: number,
    @Body() body: unknown,
    @Res() res: Response,
  ): Promise<void> {
    await this.handle(slug, res, async (server) =>
      this.orders.challenge(await this.verifier.withAccount(server, server.urls.challenge(id), body), id),
    );
  }

  @Post('cert/:id')
  async certificate(
    @Param('slug') slug: string,
    @Param('id', AcmeIdPipe) id: number,
    @Body() body: unknown,
    @Res() res: Response,
  ): Promise<void> {
    await this.handle(slug, res, async (server) =>
      this.orders.certificate(await this.verifier.withAccount(server, server.urls.certificate(id), body), id),
    );
  }

  @Post('revoke-cert')
  async revokeCert(
    @Param('slug') slug: string,
    @Body() body: unknown,
    @Ctx() context: RequestContext,
    @Res() res: Response,
  ): Promise<void> {
    await this.handle(slug, res, async (server) =>
      this.revocations.revokeCertificate(
        await this.verifier.withEither(server, server.urls.revokeCert, body),
        context.clientAddress,
      ),
    );
  }

  /** ARI (RFC 9773 4.1): an unauthenticated GET. */
  @Get('renewal-info/:certificateId')
  async renewalInfo(
    @Param('slug') slug: string,
    @Param('certificateId') certificateId: string,
    @Res() res: Response,
  ): Promise<void> {
    await this.handle(slug, res, (server) => this.renewalInfos.renewalInfo(server, certificateId));
  }

  /** Anything else under an ACME server: a problem document, not Nest's HTML-less 404. */
  @Post('*rest')
  async unknownPost(@Param('slug') slug: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.handle(slug, res, () => Promise.reject(this.responses.notFound(req)));
  }

  @Get('*rest')
  async unknownGet(@Param('slug') slug: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.handle(slug, res, () => Promise.reject(this.responses.notFound(req)));
  }

  private async handle(
    slug: string,
    res: Response,
    work: (server: AcmeServer) => Promise<AcmeResponse>,
  ): Promise<void> {
    const server = await this.profiles.serverFor(slug);
    res.locals.acmeServer = server;
    await this.responses.send(res, server, await work(server));
  }
}
