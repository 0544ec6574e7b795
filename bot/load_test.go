package bot_test

import (
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

// TestLoad sends 200 /ask through the stand-in, 50 in flight at a time,
// and checks every one is answered with a quote. It logs dispatch-to-
// callback p50/p99, the CPU per /ask and the process RSS for BENCHMARKS.md;
// it asserts no timing. The bot logs as in production, at info level (see
// setup.prodLog).
func TestLoad(t *testing.T) {
	h := start(t, setup{prodLog: true})
	// The collector paced for this heap, as serve paces it.
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	runtime.GC()
	t.Logf("GOGC %d for the live heap (internal/gctune)", gctune.Adjust(os.Getenv))
	ctx := ctxT(t, 60*time.Second)
	questions := []string{seedQuestion, "electrik buses in santiago", "What role do CGTN and Xinhua play?", "buen vivir", "ESG reports"}
	const total, inFlight = 200, 50
	// Discord builds its interactions on its own machines: do it before the
	// clock starts. Each is timed from its dispatch.
	ins := make([]*discordtest.PreparedInteraction, total)
	for i := range ins {
		var err error
		if ins[i], err = h.srv.PrepareInteraction(ask(questions[i%len(questions)])); err != nil {
			t.Fatal(err)
		}
	}
	lat := make([]time.Duration, total)
	errs := make(chan string, total)
	sem := make(chan struct{}, inFlight)
	var wg sync.WaitGroup
	start, cpu0 := time.Now(), cpuTime()
	for i := 0; i < total; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			id, err := h.srv.Dispatch(ctx, ins[i])
			if err != nil {
				errs <- err.Error()
				return
			}
			r, err := h.srv.WaitResponse(ctx, id)
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
		}(i)
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	t.Logf("200 /ask, 50 in flight: dispatch->callback p50 %v p99 %v max %v; %.0f req/s; CPU %v per /ask (bot and stand-in); RSS %.1f MiB",
		lat[total/2], lat[total*99/100], lat[total-1], total/elapsed.Seconds(), (cpu / total).Round(time.Microsecond), rss())
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
