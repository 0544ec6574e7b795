package bot_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/verbatimbot/verbatim/bot"
	"github.com/verbatimbot/verbatim/internal/discordtest"
	"github.com/verbatimbot/verbatim/internal/gctune"
)

// Load of the load tests: questions on the seeds, some with typos. A
// thousand, so that p99 is the tenth slowest rather than the second of 200
// (nearly the maximum), and the first burst weighs as it would in a busy
// hour rather than decide the figure.
const loadTotal, loadInFlight = 1000, 50

var loadQuestions = []string{seedQuestion, "electrik buses in santiago", "What role do CGTN and Xinhua play?", "buen vivir", "ESG reports"}

// TestLoad sends 1,000 /ask through the stand-in, 50 in flight at a time,
// and checks every one is answered with a quote. It logs dispatch-to-
// callback p50/p99, the CPU per /ask and the process RSS for BENCHMARKS.md;
// it asserts no timing. The bot logs as in production, at info level (see
// setup.prodLog).
func TestLoad(t *testing.T) {
	h := start(t, setup{prodLog: true, tune: manyUsers})
	// Discord builds its interactions on its own machines: do it before the
	// clock starts. Each is timed from its dispatch.
	ins := make([]*discordtest.PreparedInteraction, loadTotal)
	for i := range ins {
		var err error
		if ins[i], err = h.srv.PrepareInteraction(ask(loadQuestions[i%len(loadQuestions)])); err != nil {
			t.Fatal(err)
		}
	}
	runLoad(t, "/ask, dispatch->callback", func(ctx context.Context, i int) (discordtest.Response, error) {
		id, err := h.srv.Dispatch(ctx, ins[i])
		if err != nil {
			return discordtest.Response{}, err
		}
		return h.srv.WaitResponse(ctx, id)
	})
}

// manyUsers lifts the per-user rate limit: the stand-in asks as one user,
// and a load of many questions at once comes from many users.
func manyUsers(b *bot.Bot) { b.RateBurst = math.MaxInt32 }

// runLoad sends the prepared requests from loadInFlight senders, each
// sending its next as soon as the last is answered (a closed loop, as a load
// generator keeps its connections busy), with the collector paced as serve
// paces it. It logs the latency percentiles, the rate, the CPU per answer
// and the RSS, then checks each request was answered with a quote (after the
// clock: the check is the test's work, not the bot's). It asserts no timing.
func runLoad(t *testing.T, what string, send func(ctx context.Context, i int) (discordtest.Response, error)) {
	t.Helper()
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	runtime.GC()
	t.Logf("GOGC %d for the live heap (internal/gctune)", gctune.Adjust(os.Getenv))
	ctx := ctxT(t, 60*time.Second)
	resps := make([]discordtest.Response, loadTotal)
	errs := make([]error, loadTotal)
	next := make(chan int)
	var wg sync.WaitGroup
	start, cpu0 := time.Now(), cpuTime()
	for range loadInFlight {
		wg.Go(func() {
			for i := range next {
				resps[i], errs[i] = send(ctx, i)
			}
		})
	}
	for i := range loadTotal {
		next <- i
	}
	close(next)
	wg.Wait()
	elapsed, cpu := time.Since(start), cpuTime()-cpu0

	lat := make([]time.Duration, 0, loadTotal)
	for i, r := range resps {
		if errs[i] != nil {
			t.Error(errs[i])
			continue
		}
		var m struct{ Content string }
		if err := json.Unmarshal(r.Data, &m); err != nil || r.Type != 4 || !strings.Contains(m.Content, "\n> ") {
			t.Errorf("not answered with a quote: %s", r.Data)
			continue
		}
		lat = append(lat, r.Latency)
	}
	if len(lat) < loadTotal {
		return
	}
	slices.Sort(lat)
	t.Logf("%d %s, %d in flight: p50 %v p99 %v max %v; %.0f req/s; CPU %v per /ask (bot and stand-in); RSS %.1f MiB",
		loadTotal, what, loadInFlight, lat[loadTotal/2], lat[loadTotal*99/100], lat[loadTotal-1],
		loadTotal/elapsed.Seconds(), (cpu / loadTotal).Round(time.Microsecond), rss())
}

func rss() float64 {
	raw, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			v, _ := strconv.ParseFloat(f[1], 64)
			return v / 1024
		}
	}
	return 0
}
