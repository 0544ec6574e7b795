package bot_test

import (
	"context"
	"testing"

	"github.com/verbatimbot/verbatim/internal/discordtest"
)

// TestLoadHTTP sends 1,000 signed /ask to the interactions endpoint on a
// loopback server, 50 in flight at a time, and checks every one is answered
// inline with a quote. It logs request-to-response p50/p99, the rate and
// the CPU per /ask for BENCHMARKS.md; it asserts no timing. Over HTTP all 50
// reach the bot together, more than MaxInFlight: the rest wait for an answer
// worker rather than being told the bot is busy.
func TestLoadHTTP(t *testing.T) {
	h := startHTTP(t, setup{prodLog: true, tune: manyUsers})
	// Discord builds and signs its requests on its own machines: do it
	// before the clock starts. Each is timed from when it is sent.
	reqs := make([]*discordtest.SignedInteraction, loadTotal)
	for i := range reqs {
		var err error
		if reqs[i], err = h.srv.PrepareHTTP(h.endpoint, h.key, ask(loadQuestions[i%len(loadQuestions)])); err != nil {
			t.Fatal(err)
		}
	}
	runLoad(t, "signed /ask over HTTP, request->response", func(ctx context.Context, i int) (discordtest.Response, error) {
		_, r, err := h.srv.SendHTTP(ctx, reqs[i])
		return r, err
	})
}
