import { toWire } from '../correlation/correlation.envelope';
import { recordSpans } from '../testing/recorded-spans';
import { inMessagingSpan, inTraceContext, tracesMessages } from './messaging-tracing';

const SENT_FROM_A_TRACED_PROCESS = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };

describe('the messaging boundary of a process that does not trace', () => {
  it('sends no trace context, even for work on behalf of a message that came with one', async () => {
    expect(tracesMessages()).toBe(false);
    const envelope = await inTraceContext(SENT_FROM_A_TRACED_PROCESS, () =>
      inMessagingSpan('process', 'payments.pay-order', { transport: 'inproc', sentWith: SENT_FROM_A_TRACED_PROCESS }, async (span) => {
        expect(span.isRecording()).toBe(false);
        return toWire({ orderId: 'o-1' }, 'c-1');
      }),
    );
    expect(envelope.$meta).toEqual({ correlationId: 'c-1' });
  });

  it('traces from the moment a tracer provider is registered, and stops when it goes', async () => {
    const spans = recordSpans();
    try {
      expect(tracesMessages()).toBe(true);
      const envelope = await inMessagingSpan('send', 'payments.pay-order', { transport: 'inproc' }, async () => toWire({ orderId: 'o-1' }));
      const { traceId, spanId } = spans.named('send payments.pay-order').spanContext();
      expect(envelope.$meta.traceparent).toBe(`00-${traceId}-${spanId}-01`);
    } finally {
      await spans.stop();
    }
    expect(tracesMessages()).toBe(false);
  });
});
