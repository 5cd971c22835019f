// A minimal plugin written against contracts/relay/README.md with the npm socket.io-client:
// refused connect (reason in err.data), hello, one job.deliver acked, job.result acked. Prints JSON lines.
import { io } from "socket.io-client";

const [relayUrl, token] = process.argv.slice(2);
const out = (o) => console.log(JSON.stringify(o));
const opts = (auth) => ({ path: "/socket.io", transports: ["websocket"], auth, reconnection: false });

const bad = io(`${relayUrl}/plugin/v1`, opts({ token: "not-a-token", protocol_version: 1 }));
bad.on("connect_error", (err) => {
  out({ event: "refused", code: err.data && err.data.code });
  bad.close();
  const socket = io(`${relayUrl}/plugin/v1`, opts({ token, protocol_version: 1 }));
  socket.on("connect", async () => {
    const welcome = await socket.timeout(5000).emitWithAck("plugin.hello", {
      protocol_version: 1,
      plugin_version: "js-test",
      capabilities: ["delist"],
      vinted: { logged_in: true, user_id: 7, login: "js", domain: "www.vinted.fr" },
    });
    out({ event: "welcome", welcome });
  });
  socket.on("job.deliver", (job, ack) => {
    out({ event: "deliver", job });
    ack({ job_id: job.job_id, accepted: true });
    const result = {
      job_id: job.job_id,
      outcome: "succeeded",
      calls: [{ method: "POST", path: `/items/${job.params.item_id}/delete`, status: 200, duration_ms: 12 }],
      data: { item_id: job.params.item_id, already_gone: false },
      finished_at: new Date().toISOString(),
    };
    socket.timeout(5000).emit("job.result", result, (err, resultAck) => {
      out({ event: "result-ack", err: err ? String(err) : null, ack: resultAck });
      socket.close();
      process.exit(0);
    });
  });
});
setTimeout(() => { out({ event: "timeout" }); process.exit(2); }, 20000);
