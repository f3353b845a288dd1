import { AppException } from '../../common/errors';
import { ErrorCode } from '../../contract/error-code';

/**
 * What `start` gives once the server is up; a failure to start it is MCP_SERVER_FAILED, naming the
 * server (an AppException, such as the process cap's, passes as it is).
 */
export async function available<T>(server: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if (error instanceof AppException) {
      throw error;
    }
    throw new AppException(
      ErrorCode.MCP_SERVER_FAILED,
      `MCP server "${server}" is not available: ${(error as Error).message}`,
    );
  }
}
