import { Injectable } from '@nestjs/common';
import { Subject } from 'rxjs';
import type { Observable } from 'rxjs';

export interface Heartbeat {
  ts: string;
}

/**
 * Ticks shared by every connection, so heartbeats and stall checks cost one timer each, not one per
 * client.
 */
@Injectable()
export class HeartbeatService {
  private readonly ticks = new Subject<Heartbeat>();
  private readonly checks = new Subject<number>();

  get beats(): Observable<Heartbeat> {
    return this.ticks.asObservable();
  }

  /** When each connection looks at its progress (epoch ms), for STREAM_STALL_MS. */
  get stallChecks(): Observable<number> {
    return this.checks.asObservable();
  }

  beat(): void {
    this.ticks.next({ ts: new Date().toISOString() });
  }

  checkStalls(now = Date.now()): void {
    this.checks.next(now);
  }
}
