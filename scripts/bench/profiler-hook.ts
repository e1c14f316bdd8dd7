/**
 * Preloaded (`node -r`) into a server the benchmark profiles: V8's sampling CPU profiler (the
 * one behind `--cpu-prof`), started and stopped over the IPC channel, so that a profile covers
 * exactly one load window and not the start-up. Messages:
 *   { type: 'bench:profile-start', intervalUs }  → { type: 'bench:profile-started' }
 *   { type: 'bench:profile-stop', file }         → { type: 'bench:profile-stopped', file }
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

type Message = { type: 'bench:profile-start'; intervalUs?: number } | { type: 'bench:profile-stop'; file: string };

if (process.send) {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<any>((resolve, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))));
  const reply = (message: object) => process.send?.(message);

  process.on('message', (message: Message) => {
    if (message?.type === 'bench:profile-start') {
      post('Profiler.enable')
        .then(() => post('Profiler.setSamplingInterval', { interval: message.intervalUs ?? 250 }))
        .then(() => post('Profiler.start'))
        .then(
          () => reply({ type: 'bench:profile-started' }),
          (error: Error) => reply({ type: 'bench:profile-error', message: error.message }),
        );
    } else if (message?.type === 'bench:profile-stop') {
      post('Profiler.stop')
        .then(({ profile }) => {
          writeFileSync(message.file, JSON.stringify(profile));
          return post('Profiler.disable');
        })
        .then(
          () => reply({ type: 'bench:profile-stopped', file: message.file }),
          (error: Error) => reply({ type: 'bench:profile-error', message: error.message }),
        );
    }
  });
  // The channel must not keep a server alive that is asked to stop.
  process.channel?.unref();
}
