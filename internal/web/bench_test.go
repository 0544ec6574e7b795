package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"
)

// benchServe serves target through the handler b.N times and reports the
// median and 99th percentile time per request besides the mean.
func benchServe(b *testing.B, target string) {
	h := newFixture(b).server.Handler()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	took := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		took = append(took, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
}

func BenchmarkDocumentPage(b *testing.B) { benchServe(b, "/docs/"+seedID) }

func BenchmarkAskBox(b *testing.B) {
	benchServe(b, "/?q="+url.QueryEscape("Which companies compete with European providers?"))
}

func BenchmarkAskBoxDeclined(b *testing.B) {
	benchServe(b, "/?q="+url.QueryEscape("What is the boiling point of mercury?"))
}
