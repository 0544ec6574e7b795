package bot_test

import (
	"encoding/json"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/verbatimbot/verbatim/internal/discordtest"
	"github.com/verbatimbot/verbatim/internal/gctune"
)

// TestLoadHTTP sends 200 signed /ask to the interactions endpoint on a
// loopback server, 50 in flight at a time, and checks every one is answered
// inline with a quote. It logs request-to-response p50/p99, the rate and the
// CPU per /ask for BENCHMARKS.md; it asserts no timing. The bot logs as in production, at
// info level (see setup.prodLog).
func TestLoadHTTP(t *testing.T) {
	// Over HTTP all 50 reach the bot together (the gateway stand-in sends
	// one at a time), more than the default MaxInFlight of 32: the rest wait
	// for a slot rather than being told the bot is busy.
	h := startHTTP(t, setup{prodLog: true})
	// The collector paced for this heap, as serve paces it.
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	runtime.GC()
	t.Logf("GOGC %d for the live heap (internal/gctune)", gctune.Adjust(os.Getenv))
	ctx := ctxT(t, 60*time.Second)
	questions := []string{seedQuestion, "electrik buses in santiago", "What role do CGTN and Xinhua play?", "buen vivir", "ESG reports"}
	const total, inFlight = 200, 50
	// Discord builds and signs its requests on its own machines: do it
	// before the clock starts. Each is timed from when it is sent.
	reqs := make([]*discordtest.SignedInteraction, total)
	for i := range reqs {
		var err error
		if reqs[i], err = h.srv.PrepareHTTP(h.endpoint, h.key, ask(questions[i%len(questions)])); err != nil {
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
			_, r, err := h.srv.SendHTTP(ctx, reqs[i])
			if err != nil {
				errs <- err.Error()
				return
			}
			var m struct{ Content string }
			if err := json.Unmarshal(r.Data, &m); err != nil || r.Type != 4 || !strings.Contains(m.Content, "\n> ") {
				errs <- "not answered inline with a quote: " + string(r.Data)
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
	t.Logf("200 signed /ask over HTTP, 50 in flight: request->response p50 %v p99 %v max %v; %.0f req/s; CPU %v per /ask (bot and stand-in); RSS %.1f MiB",
		lat[total/2], lat[total*99/100], lat[total-1], total/elapsed.Seconds(), (cpu / total).Round(time.Microsecond), rss())
}
