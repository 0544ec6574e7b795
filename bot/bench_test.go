package bot_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/verbatimbot/verbatim/internal/discordtest"
)

// BenchmarkInteractionsAsk is the bot's work for one signed /ask over
// HTTP, from the request to its written response: signature check,
// decoding, the answer and its encoding. The requests are built and signed
// beforehand (Discord's work), and served in process with no network, so
// that the figure is the bot's CPU per question (BENCHMARKS.md).
func BenchmarkInteractionsAsk(b *testing.B) {
	h := startHTTP(b, setup{prodLog: true, tune: manyUsers})
	handler := h.bot.InteractionsHandler()
	reqs := make([]*http.Request, b.N)
	stamp := strconv.FormatInt(time.Now().Unix(), 10)
	for n := range reqs {
		_, body, err := h.srv.HTTPInteraction(ask(loadQuestions[n%len(loadQuestions)]))
		if err != nil {
			b.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodPost, "/interactions", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-Signature-Timestamp", stamp)
		r.Header.Set("X-Signature-Ed25519", discordtest.Sign(h.key, stamp, body))
		reqs[n] = r
	}
	b.ReportAllocs()
	b.ResetTimer()
	for _, r := range reqs {
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		if w.Code != http.StatusOK || !bytes.Contains(w.Body.Bytes(), []byte(`\n\u003e `)) {
			b.Fatalf("not answered with a quote: %d %s", w.Code, w.Body)
		}
	}
}
