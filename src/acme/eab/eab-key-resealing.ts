import { Injectable, OnModuleInit } from '@nestjs/common';
import { KeyResealer } from '../../keys/key-resealer';
import { AcmeEabKeyRepository } from './acme-eab-key.repository';

/** EAB HMAC keys are sealed with the KEK like private keys, so a KEK rotation reseals them too. */
@Injectable()
export class EabKeyResealing implements OnModuleInit {
  constructor(
    private readonly resealer: KeyResealer,
    private readonly keys: AcmeEabKeyRepository,
  ) {}

  onModuleInit(): void {
    this.resealer.register(this.keys);
  }
}
