import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from './app-config';
import { RuntimeSecrets } from './secret-files';

/** Provides the validated configuration and the resolved secrets to every module. */
@Global()
@Module({})
export class AppConfigModule {
  static register(config: AppConfig, secrets: RuntimeSecrets): DynamicModule {
    return {
      module: AppConfigModule,
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: RuntimeSecrets, useValue: secrets },
      ],
      exports: [AppConfig, RuntimeSecrets],
    };
  }
}
