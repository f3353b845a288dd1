import { ErrorCode } from '../../contract/error-code';
import { ProcessBudget } from './mcp-process-budget';

describe(ProcessBudget.name, () => {
  let budget: ProcessBudget;

  beforeEach(() => {
    budget = new ProcessBudget(2);
  });

  it('should count places taken and give each back once, however often it is released', () => {
    const first = budget.tryAcquire();
    const second = budget.tryAcquire();
    expect(budget.used).toBe(2);
    expect(budget.tryAcquire()).toBeUndefined();

    first?.release();
    first?.release();
    expect(budget.used).toBe(1);
    second?.release();
    expect(budget.used).toBe(0);
  });

  it('should reclaim an idle process when full, for as long as that frees a place', async () => {
    budget.tryAcquire();
    const held = budget.tryAcquire();
    const reclaim = jest.fn(() => {
      held?.release();
      return Promise.resolve(true);
    });
    budget.reclaim = reclaim;

    const slot = await budget.acquire('everything', 'session s1');
    expect(reclaim).toHaveBeenCalledTimes(1);
    expect(budget.used).toBe(2);
    slot.release();
    expect(budget.used).toBe(1);
  });

  it('should reclaim again while other starts take the freed places, and refuse once nothing is left', async () => {
    budget = new ProcessBudget(1);
    let rounds = 0;
    budget.reclaim = () => {
      rounds++;
      // The first round's place goes to someone else; the second one's is free.
      return Promise.resolve(rounds <= 2);
    };
    budget.tryAcquire();
    const first = budget.acquire('a', 'session s1');
    await expect(first).rejects.toMatchObject({ code: ErrorCode.MCP_PROCESS_LIMIT });
    expect(rounds).toBe(3);
  });

  it('should refuse with MCP_PROCESS_LIMIT, naming the server, the session and the setting, when nothing can be reclaimed', async () => {
    budget.tryAcquire();
    budget.tryAcquire();
    await expect(budget.acquire('everything', 'session s1')).rejects.toMatchObject({
      code: ErrorCode.MCP_PROCESS_LIMIT,
      message: expect.stringMatching(/"everything".*session s1.*all 2 MCP server processes \(MCP_MAX_PROCESSES\)/),
    });
    expect(budget.used).toBe(2);
  });
});
