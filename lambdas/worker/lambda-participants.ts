/**
 * The participants reached by a synchronous Lambda Invoke (ParticipantsPort adapter). A
 * function error, an SDK error, a timeout or an unreadable reply is a
 * ParticipantUnavailableError: the saga retries it later.
 */
import { InvokeCommand, type InvokeCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import type {
  InventoryCommand,
  InventoryReply,
  PaymentCommand,
  PaymentReply,
} from '../shared/commands.js';
import { ParticipantUnavailableError } from './errors.js';
import type { ParticipantsPort } from './ports.js';

const INVENTORY_OUTCOMES = new Set(['RESERVED', 'RELEASED', 'REJECTED']);
const PAYMENT_OUTCOMES = new Set(['CHARGED', 'REFUNDED', 'REJECTED']);

/**
 * ParticipantsPort over Lambda Invoke (RequestResponse), each call bounded by the client's
 * request timeout (`throwOnRequestTimeout`: a TimeoutError, reported as the participant
 * unavailable).
 */
export class LambdaParticipants implements ParticipantsPort {
  constructor(
    private readonly lambda: LambdaClient,
    private readonly functions: { inventory: string; payment: string },
  ) {}

  async inventory(command: InventoryCommand): Promise<InventoryReply> {
    return this.invoke(
      this.functions.inventory,
      command,
      INVENTORY_OUTCOMES,
    ) as Promise<InventoryReply>;
  }

  async payment(command: PaymentCommand): Promise<PaymentReply> {
    return this.invoke(this.functions.payment, command, PAYMENT_OUTCOMES) as Promise<PaymentReply>;
  }

  private async invoke(
    functionName: string,
    command: { command: string },
    outcomes: Set<string>,
  ): Promise<unknown> {
    let response: InvokeCommandOutput;
    try {
      response = await this.lambda.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(command)),
        }),
      );
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      throw new ParticipantUnavailableError(`${command.command} → ${functionName}: ${name}`, {
        cause: error,
      });
    }
    const text = response.Payload ? new TextDecoder().decode(response.Payload) : '';
    if (response.FunctionError) {
      throw new ParticipantUnavailableError(
        `${command.command} → ${functionName}: function error ${functionErrorOf(text) ?? response.FunctionError}`,
      );
    }
    let reply: unknown;
    try {
      reply = JSON.parse(text);
    } catch (error) {
      throw new ParticipantUnavailableError(
        `${command.command} → ${functionName}: reply is not JSON`,
        { cause: error },
      );
    }
    const outcome = (reply as { outcome?: unknown } | null)?.outcome;
    if (typeof outcome !== 'string' || !outcomes.has(outcome)) {
      throw new ParticipantUnavailableError(
        `${command.command} → ${functionName}: unexpected reply`,
      );
    }
    return reply;
  }
}

/** "errorType: errorMessage" of a Lambda error payload. */
function functionErrorOf(payload: string): string | undefined {
  try {
    const parsed = JSON.parse(payload) as { errorType?: unknown; errorMessage?: unknown };
    if (typeof parsed.errorType !== 'string') return undefined;
    return typeof parsed.errorMessage === 'string'
      ? `${parsed.errorType}: ${parsed.errorMessage.slice(0, 200)}`
      : parsed.errorType;
  } catch {
    return undefined;
  }
}
