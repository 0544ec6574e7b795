package main

import (
	"bufio"
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/verbatimbot/verbatim/internal/discordtest"
	"github.com/verbatimbot/verbatim/internal/web"
)

// The questions of the load, as in bot's load tests: a question from the
// seeds, a misspelt one, two short ones and a name.
var loadQuestions = []string{
	"Which companies compete with European providers?", "electrik buses in santiago",
	"What role do CGTN and Xinhua play?", "buen vivir", "ESG reports",
}

// wrkScript sends the signed requests of the file named by VERBATIM_REQUESTS
// (one a line: timestamp, signature and body, separated by tabs), each once,
// in order, and prints its figures on one line at the end.
const wrkScript = `
local reqs = {}
init = function(args)
  for line in io.lines(os.getenv("VERBATIM_REQUESTS")) do
    local stamp, sig, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
    reqs[#reqs + 1] = wrk.format("POST", "/interactions", {
      ["Content-Type"] = "application/json",
      ["User-Agent"] = "Discord-Interactions/1.0 (+https://discord.com)",
      ["X-Signature-Timestamp"] = stamp,
      ["X-Signature-Ed25519"] = sig,
    }, body)
  end
end
local i = 0
request = function()
  i = i + 1
  if i > #reqs then i = 1 end -- a replay: refused with 401, counted as non-2xx below
  return reqs[i]
end
done = function(summary, latency, requests)
  io.write(string.format("verbatim-wrk requests=%d seconds=%.3f non2xx=%d socket=%d timeout=%d p50=%d p90=%d p99=%d max=%d\n",
    summary.requests, summary.duration / 1e6, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
`

// TestLoadHTTPProcess is the HTTP load of bot's TestLoadHTTP as a deployment
// meets it: `verbatim serve` in http mode as its own process, logging at
// info level, and 50 signed /ask kept in flight by wrk, a load generator in
// C, from another process, pinned to the last CPU (taskset). It runs the
// bot twice: on every CPU but wrk's (GOMAXPROCS one less than the machine),
// as if Discord's load came from elsewhere, and on every CPU as it is
// deployed, sharing wrk's. Every request is built and signed before the
// clock starts, by users asking five questions each (the bot's burst). A
// second of the same load warms the process up first (its heap grows to
// the collector's goal, its caches fill): its figures are logged apart,
// and the measured run is the two seconds after it. It checks that every
// request was answered 200, and that the bot counted every question and
// no error; it logs wrk's latency percentiles and the CPU per /ask of the
// bot and of wrk for BENCHMARKS.md, and asserts no timing. It needs wrk
// (Debian's package; .ci/run installs it, and with CI set the test fails
// without it) and two CPUs, and is skipped without them.
func TestLoadHTTPProcess(t *testing.T) {
	wrk := lookWrk(t)
	ncpu := runtime.NumCPU()
	for _, procs := range []int{ncpu - 1, ncpu} {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", procs), func(t *testing.T) { loadHTTPProcess(t, wrk, procs) })
	}
}

func loadHTTPProcess(t *testing.T, wrk string, procs int) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := discordtest.New(t, discordtest.Options{})
	p := startServe(t, srv, t.TempDir(), "DISCORD_MODE=http",
		"DISCORD_PUBLIC_KEY="+hex.EncodeToString(pub), "LOG_LEVEL=info", "GOMAXPROCS="+strconv.Itoa(procs))
	if _, err := srv.WaitCommands(p.ctx, srv.Options().GuildID); err != nil {
		t.Fatalf("commands not registered: %v", err)
	}
	p.waitReady()
	warmFile, reqFile := filepath.Join(t.TempDir(), "warm.tsv"), filepath.Join(t.TempDir(), "requests.tsv")
	if err := writeSignedAsks(srv, priv, warmFile, 0, loadTotal()/2); err != nil {
		t.Fatal(err)
	}
	if err := writeSignedAsks(srv, priv, reqFile, loadTotal()/2, loadTotal()); err != nil {
		t.Fatal(err)
	}
	warm := runWrk(t, p, wrk, warmFile, time.Second)
	t.Logf("warming up, 1 s: %s", warm)
	run := runWrk(t, p, wrk, reqFile, 2*time.Second)
	t.Logf("%d signed /ask over HTTP to serve (GOMAXPROCS %d), 50 in flight from wrk (CPU %d): %s",
		run.requests, procs, runtime.NumCPU()-1, run)

	// wrk stops with up to 50 requests in flight and closes their
	// connections: the bot counts those questions, and fails to answer them
	// (a Discord error: the request ended before the response). Every other
	// question was answered without error.
	requests := warm.requests + run.requests
	_, metrics := p.get("/metrics")
	asked := metricValue(metrics, "verbatim_questions_total")
	if asked < float64(requests) || asked > float64(requests+2*50) {
		t.Errorf("the bot counted %v questions; wrk had %d answered", asked, requests)
	}
	abandoned := metricValue(metrics, `verbatim_errors_total{kind="discord"}`)
	if e := metricValue(metrics, "verbatim_errors_total"); e != abandoned || abandoned > asked-float64(requests) {
		t.Errorf("%v errors during the load, %v of them Discord's, with %v questions abandoned by wrk:\n%s\n%s",
			e, abandoned, asked-float64(requests), metrics, p.stderr.String())
	}
	p.stop()
}

// loadTotal is how many requests to prepare: more than wrk can send in its
// run (a 2-CPU machine answers 3,000-8,000 a second), so that none is
// replayed.
func loadTotal() int { return 20000 * max(2, runtime.NumCPU()-1) }

// lookWrk returns wrk's path, and skips the test (fails it, with CI set)
// without wrk or with a single CPU, which the load generator and the
// server would have to share.
func lookWrk(t *testing.T) string {
	t.Helper()
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("wrk not installed: .ci/run installs it")
		}
		t.Skip("wrk not installed (apt-get install wrk)")
	}
	if runtime.NumCPU() < 2 {
		t.Skip("one CPU: the server and the load generator would share it")
	}
	return wrk
}

// wrkRun is what a run of wrk measured.
type wrkRun struct {
	requests           int64
	seconds            float64
	p50, p90, p99, max time.Duration
	cpu, wrkCPU        time.Duration // per request: the server's, wrk's
}

func (r wrkRun) String() string {
	return fmt.Sprintf("p50 %v p90 %v p99 %v max %v; %.0f req/s; CPU per request: server %v, wrk %v",
		r.p50, r.p90, r.p99, r.max, float64(r.requests)/r.seconds, r.cpu, r.wrkCPU)
}

// runWrk keeps 50 of the requests of reqFile (see wrkScript) in flight
// against p for d from wrk, pinned to the last CPU, and measures
// p's CPU meanwhile. It fails the test unless every request was answered
// 200 (which also proves none was sent twice).
func runWrk(t *testing.T, p *serveProcess, wrk, reqFile string, d time.Duration) wrkRun {
	t.Helper()
	script := filepath.Join(t.TempDir(), "load.lua")
	if err := os.WriteFile(script, []byte(wrkScript), 0o644); err != nil {
		t.Fatal(err)
	}
	pid := p.cmd.Process.Pid
	cpuBefore, err := processCPU(pid)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(p.ctx, "taskset", "-c", strconv.Itoa(runtime.NumCPU()-1), wrk,
		"-t1", "-c50", "-d"+d.String(), "--timeout", "5s", "-s", script, "http://"+p.addr)
	cmd.Env = append(os.Environ(), "VERBATIM_REQUESTS="+reqFile)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("wrk: %v\n%s", err, out)
	}
	cpuAfter, err := processCPU(pid)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`verbatim-wrk requests=(\d+) seconds=([\d.]+) non2xx=(\d+) socket=(\d+) timeout=(\d+) p50=(\d+) p90=(\d+) p99=(\d+) max=(\d+)`).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("wrk printed no figures:\n%s", out)
	}
	n := func(i int) int64 { v, _ := strconv.ParseInt(m[i], 10, 64); return v }
	us := func(i int) time.Duration { return time.Duration(n(i)) * time.Microsecond }
	r := wrkRun{requests: n(1), p50: us(6), p90: us(7), p99: us(8), max: us(9)}
	r.seconds, _ = strconv.ParseFloat(m[2], 64)
	if r.requests == 0 || n(3) != 0 || n(4) != 0 || n(5) != 0 {
		t.Fatalf("wrk: %d requests, %d not 200, %d socket errors, %d timeouts (raise loadTotal if it ran out)\n%s",
			r.requests, n(3), n(4), n(5), out)
	}
	r.cpu = (cpuAfter - cpuBefore) / time.Duration(r.requests)
	r.wrkCPU = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()) / time.Duration(r.requests)
	return r
}

// TestLoadHTTPControl is the control of TestLoadHTTPProcess, run on
// demand (VERBATIM_CONTROL=1) since it measures the machine rather than
// Verbatim: the same wrk run against a server that does nothing but burn,
// per request, about the CPU the bot spends on a signed /ask (SHA-256
// rounds, VERBATIM_CONTROL_ROUNDS, 1,700 by default: ~200 µs here), with the
// same cores. A tail it shares with the bot is the machine's (BENCHMARKS.md).
func TestLoadHTTPControl(t *testing.T) {
	if os.Getenv("VERBATIM_CONTROL") == "" {
		t.Skip("a measurement of the machine: VERBATIM_CONTROL=1 runs it")
	}
	wrk := lookWrk(t)
	p := startCommand(t, "control", t.TempDir(), "VERBATIM_TEST_CONTROL=1", "GOMAXPROCS="+strconv.Itoa(runtime.NumCPU()-1))
	p.waitReady()
	reqFile := filepath.Join(t.TempDir(), "requests.tsv")
	line := "0\t0\t" + strings.Repeat("x", 1200) + "\n"
	if err := os.WriteFile(reqFile, []byte(strings.Repeat(line, 1000)), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("warming up, 1 s: %s", runWrk(t, p, wrk, reqFile, time.Second))
	t.Logf("control, 50 in flight from wrk: %s", runWrk(t, p, wrk, reqFile, 2*time.Second))
}

// serveControl is the control's server (see TestLoadHTTPControl): /readyz
// answers at once, anything else after the SHA-256 rounds.
func serveControl() error {
	rounds, err := strconv.Atoi(cmp.Or(os.Getenv("VERBATIM_CONTROL_ROUNDS"), "1700"))
	if err != nil {
		return err
	}
	resp := []byte(strings.Repeat("a", 1000))
	// The bot's own server (web.Serve): the same timeouts, and requests
	// started in the order they arrived (internal/turns).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return web.Serve(ctx, os.Getenv("LISTEN_ADDR"), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h := sha256.Sum256(b)
		if r.URL.Path != "/readyz" {
			for range rounds {
				h = sha256.Sum256(h[:])
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(resp[:len(resp)-int(h[0]%2)]) // the rounds are used, so not optimised away
	}), nil)
}

// writeSignedAsks writes n /ask interactions to file, one a line, as the
// stand-in builds them, signed with key as Discord signs them: timestamp,
// signature and body, separated by tabs. They are signed on all cores.
// The requests are numbered from first, and their users are new to the
// bot, five questions each, counted from the first user after those of
// requests 0 to first-1: no file's user is held back by another's
// questions.
func writeSignedAsks(srv *discordtest.Server, key ed25519.PrivateKey, file string, first, n int) error {
	lines := make([]string, n)
	errs := make([]error, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for w := range errs {
		wg.Go(func() {
			for i := w; i < n; i += len(errs) {
				member := discordtest.DefaultMember
				member.ID = strconv.Itoa(1200000000000000000 + (first+4)/5 + i/5)
				in := discordtest.Command("ask", discordtest.String("question", loadQuestions[i%len(loadQuestions)]))
				in.Member = &member
				_, body, err := srv.HTTPInteraction(in)
				if err != nil {
					errs[w] = err
					return
				}
				if strings.ContainsAny(string(body), "\t\n") {
					errs[w] = fmt.Errorf("a body with a tab or newline: %s", body)
					return
				}
				stamp := strconv.FormatInt(time.Now().Unix(), 10)
				lines[i] = stamp + "\t" + discordtest.Sign(key, stamp, body) + "\t" + string(body)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, l := range lines {
		w.WriteString(l)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// processCPU is the user and system CPU time process pid has used
// (/proc/PID/stat, in clock ticks of 1/100 s).
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name, which is in parentheses.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unreadable /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// metricValue is the value of a metric without labels, or the sum of a
// metric's labelled series, in a Prometheus exposition.
func metricValue(exposition, name string) float64 {
	var sum float64
	for _, line := range strings.Split(exposition, "\n") {
		rest, ok := strings.CutPrefix(line, name)
		if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '{') {
			continue
		}
		f := strings.Fields(rest[strings.LastIndexByte(rest, '}')+1:])
		if len(f) == 0 {
			continue
		}
		v, _ := strconv.ParseFloat(f[0], 64)
		sum += v
	}
	return sum
}
