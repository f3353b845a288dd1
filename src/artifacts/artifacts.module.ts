import { Module } from '@nestjs/common';

import { artifactStoreProvider } from './artifact-store.providers';
import { ArtifactsController } from './artifacts.controller';
import { ArtifactsService } from './artifacts.service';

@Module({
  controllers: [ArtifactsController],
  providers: [artifactStoreProvider, ArtifactsService],
  exports: [ArtifactsService],
})
export class ArtifactsModule {}
