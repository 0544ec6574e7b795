package bot_test

import (
	"context"
	"encoding/json"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/verbatimbot/verbatim/internal/discordtest"
	"github.com/verbatimbot/verbatim/internal/gctune"
)

// Load of the load tests: questions on the seeds, some with typos.
const loadTotal, loadInFlight = 200, 50

var loadQuestions = []string{seedQuestion, "electrik buses in santiago", "What role do CGTN and Xinhua play?", "buen vivir", "ESG reports"}

// TestLoad sends 200 /ask through the stand-in, 50 in flight at a time,
// and checks every one is answered with a quote. It logs dispatch-to-
// callback p50/p99, the CPU per /ask and the process RSS for BENCHMARKS.md;
// it asserts no timing. The bot logs as in production, at info level (see
// setup.prodLog).
func TestLoad(t *testing.T) {
	h := start(t, setup{prodLog: true})
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

// runLoad sends the prepared requests, loadInFlight at a time, with the
// collector paced as serve paces it; it checks each is answered with a
// quote and logs the latency percentiles, the rate, the CPU per answer and
// the RSS. It asserts no timing.
func runLoad(t *testing.T, what string, send func(ctx context.Context, i int) (discordtest.Response, error)) {
	t.Helper()
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	runtime.GC()
	t.Logf("GOGC %d for the live heap (internal/gctune)", gctune.Adjust(os.Getenv))
	ctx := ctxT(t, 60*time.Second)
	lat := make([]time.Duration, loadTotal)
	errs := make(chan string, loadTotal)
	sem := make(chan struct{}, loadInFlight)
	var wg sync.WaitGroup
	start, cpu0 := time.Now(), cpuTime()
	for i := range loadTotal {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r, err := send(ctx, i)
			if err != nil {
				errs <- err.Error()
				return
			}
			var m struct{ Content string }
			if err := json.Unmarshal(r.Data, &m); err != nil || r.Type != 4 || !strings.Contains(m.Content, "\n> ") {
				errs <- "not answered with a quote: " + string(r.Data)
				return
			}
			lat[i] = r.Latency
		}()
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
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
