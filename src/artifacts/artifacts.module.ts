import { Module } from '@nestjs/common';

import { artifactStoreProvider } from './artifact-store.providers';
import { ArtifactsController } from './artifacts.controller';
import { ArtifactsService } from './artifacts.service';
import { ViewsController } from './views.controller';
import { ViewsService } from './views.service';

@Module({
  controllers: [ArtifactsController, ViewsController],
  providers: [artifactStoreProvider, ArtifactsService, ViewsService],
  exports: [ArtifactsService, ViewsService],
})
export class ArtifactsModule {}
