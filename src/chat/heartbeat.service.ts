import { Injectable } from '@nestjs/common';
import { Subject } from 'rxjs';
import type { Observable } from 'rxjs';

export interface Heartbeat {
  ts: string;
}

/** One tick shared by every connection, so heartbeats cost one timer, not one per client. */
@Injectable()
export class HeartbeatService {
  private readonly ticks = new Subject<Heartbeat>();

  get beats(): Observable<Heartbeat> {
    return this.ticks.asObservable();
  }

  beat(): void {
    this.ticks.next({ ts: new Date().toISOString() });
  }
}
