/**
 * The guest side of the isolation self-test: a program that opens one TCP
 * connection per probe and prints one JSON line per probe. Agent images are
 * arbitrary, so it uses whatever the guest has: node, else python3, else
 * bash's /dev/tcp, else nc (or busybox's). Everything travels in argv — no
 * file is written in the guest, no quoting is left to a shell.
 *
 * argv: /bin/sh -c DISPATCH probe NODE_SRC PYTHON_SRC TIMEOUT_S [NAME HOST PORT]...
 */

/** What one connection attempt came to; `unresolved`: the guest could not resolve the host name. */
export type ProbeOutcome =
  'connected' | 'refused' | 'timeout' | 'unreachable' | 'unresolved' | 'error'

export interface ProbeTarget {
  name: string
  host: string
  port: number
}

export interface ProbeLine {
  probe: string
  tool: string
  outcome: ProbeOutcome
  detail: string
}

const NODE_SRC = `
const net = require("net");
const [t, ...a] = process.argv.slice(1);
const probes = [];
for (let i = 0; i + 2 < a.length; i += 3) probes.push({ name: a[i], host: a[i + 1], port: Number(a[i + 2]) });
const one = (p) => new Promise((resolve) => {
  let over = false;
  const s = net.connect({ host: p.host, port: p.port });
  const done = (outcome, detail) => {
    if (over) return;
    over = true;
    clearTimeout(timer);
    s.destroy();
    resolve({ probe: p.name, tool: "node", outcome, detail });
  };
  const timer = setTimeout(() => done("timeout", "no answer in " + t + " s"), Number(t) * 1000);
  s.once("connect", () => done("connected", ""));
  s.once("error", (e) => done(e.code === "ECONNREFUSED" || e.code === "ECONNRESET" ? "refused" : /^(ENOTFOUND|EAI_)/.test(String(e.code)) ? "unresolved" : "unreachable", String(e.code || e.message)));
});
Promise.all(probes.map(one)).then((rs) => { for (const r of rs) console.log(JSON.stringify(r)); });
`

const PYTHON_SRC = `
import json, socket, sys, threading
t = float(sys.argv[1])
a = sys.argv[2:]
probes = [a[i:i + 3] for i in range(0, len(a) - 2, 3)]
out = [None] * len(probes)
def one(i, name, host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(t)
    try:
        s.connect((host, int(port)))
        r = ("connected", "")
    except socket.timeout:
        r = ("timeout", "no answer in %s s" % sys.argv[1])
    except (ConnectionRefusedError, ConnectionResetError) as e:
        r = ("refused", e.strerror or str(e))
    except socket.gaierror as e:
        r = ("unresolved", e.strerror or str(e))
    except OSError as e:
        r = ("unreachable", e.strerror or str(e))
    finally:
        s.close()
    out[i] = {"probe": name, "tool": "python3", "outcome": r[0], "detail": r[1]}
threads = [threading.Thread(target=one, args=(i, p[0], p[1], p[2])) for i, p in enumerate(probes)]
for th in threads: th.start()
for th in threads: th.join()
for r in out: print(json.dumps(r))
`

/**
 * POSIX sh (dash, busybox ash). node and python3 probe in parallel; the
 * shell fallbacks one at a time, each under a watchdog since neither
 * /dev/tcp nor every nc has a connect timeout.
 */
const DISPATCH = `
node_src=$1; py_src=$2; shift 2
if command -v node >/dev/null 2>&1; then exec node -e "$node_src" "$@"; fi
if command -v python3 >/dev/null 2>&1; then exec python3 -c "$py_src" "$@"; fi
if command -v bash >/dev/null 2>&1; then tool=bash
elif command -v nc >/dev/null 2>&1; then tool=nc
elif command -v busybox >/dev/null 2>&1 && busybox --list 2>/dev/null | grep -qx nc; then tool=busybox-nc
else
  echo '{"error":"no-tool","detail":"none of node, python3, bash, nc or busybox nc is installed in the guest"}'
  exit 3
fi
nc_z=
if [ "$tool" = nc ] && nc -h 2>&1 | grep -q -- '-z'; then nc_z=-z; fi
connect() {
  case $tool in
    bash) bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" ;;
    nc) nc $nc_z -w "$t" "$1" "$2" </dev/null >/dev/null ;;
    busybox-nc) busybox nc -w "$t" "$1" "$2" </dev/null >/dev/null ;;
  esac
}
clean() { if command -v tr >/dev/null 2>&1; then printf '%s' "$1" | tr -d '"\\\\' | tr '\\n\\r\\t' '   '; fi; }
t=$1; shift
while [ $# -ge 3 ]; do
  name=$1; host=$2; port=$3; shift 3
  res=$( (connect "$host" "$port") 2>&1 & c=$!
    (sleep "$t"; kill -9 "$c") >/dev/null 2>&1 & w=$!
    wait "$c"; rc=$?
    kill "$w" 2>/dev/null
    echo "rc=$rc" )
  rc=\${res##*rc=}
  err=\${res%rc=*}
  case "$rc:$err" in
    0:*) outcome=connected ;;
    137:*|143:*) outcome=timeout; err="no answer in $t s" ;;
    *[Rr]efused*|*reset*) outcome=refused ;;
    *[Nn]ame\\ or\\ service*|*[Nn]ame\\ does\\ not\\ resolve*|*name\\ resolution*|*bad\\ address*|*lookup\\ failed*|*[Uu]nknown\\ host*|*getaddrinfo*) outcome=unresolved ;;
    *[Tt]imed\\ out*|*[Tt]imeout*) outcome=timeout ;;
    *) outcome=unreachable ;;
  esac
  printf '{"probe":"%s","tool":"%s","outcome":"%s","detail":"%s"}\\n' "$name" "$tool" "$outcome" "$(clean "$err")"
done
`

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/
/** Lower-case labels, none starting with `-` (nc would take it for an option). */
const HOST_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/

/** The guest argv that runs the probes, each given `timeoutSec` to connect. */
export function probeArgv(targets: readonly ProbeTarget[], timeoutSec: number): string[] {
  const args = ['/bin/sh', '-c', DISPATCH, 'probe', NODE_SRC, PYTHON_SRC, String(timeoutSec)]
  for (const t of targets) {
    if (!/^[a-z][a-z0-9-]*$/.test(t.name)) throw new Error(`probe name ${JSON.stringify(t.name)}`)
    if (!IPV4.test(t.host) && !HOST_NAME.test(t.host))
      throw new Error(
        `probe host must be an IPv4 address or a host name: ${JSON.stringify(t.host)}`,
      )
    args.push(t.name, t.host, String(t.port))
  }
  return args
}

export type ParsedProbes = { lines: ProbeLine[] } | { noTool: string }

const OUTCOMES = new Set<string>([
  'connected',
  'refused',
  'timeout',
  'unreachable',
  'unresolved',
  'error',
])

/** Reads the program's stdout; lines that are not probe results (a noisy profile, say) are ignored. */
export function parseProbeOutput(stdout: string): ParsedProbes {
  const lines: ProbeLine[] = []
  for (const raw of stdout.split('\n')) {
    const text = raw.trim()
    if (!text.startsWith('{')) continue
    let v: Record<string, unknown>
    try {
      v = JSON.parse(text) as Record<string, unknown>
    } catch {
      continue
    }
    if (v.error === 'no-tool') return { noTool: String(v.detail ?? 'no probe tool in the guest') }
    if (typeof v.probe === 'string' && typeof v.outcome === 'string' && OUTCOMES.has(v.outcome)) {
      lines.push({
        probe: v.probe,
        tool: String(v.tool ?? '?'),
        outcome: v.outcome as ProbeOutcome,
        detail: String(v.detail ?? ''),
      })
    }
  }
  return { lines }
}
