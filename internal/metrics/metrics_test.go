package metrics

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/document"
)

func exposition(t *testing.T, r *Registry) string {
	t.Helper()
	var b strings.Builder
	n, err := r.WriteTo(&b)
	if err != nil {
		t.Fatal(err)
	}
	if int(n) != b.Len() {
		t.Errorf("WriteTo reported %d bytes, wrote %d", n, b.Len())
	}
	return b.String()
}

func TestExpositionEmpty(t *testing.T) {
	got := exposition(t, New(nil))
	want := `# HELP verbatim_answer_seconds Time taken to answer a question, in seconds (questions refused as empty or too long excluded).
# TYPE verbatim_answer_seconds histogram
verbatim_answer_seconds_bucket{le="0.0005"} 0
verbatim_answer_seconds_bucket{le="0.001"} 0
verbatim_answer_seconds_bucket{le="0.0025"} 0
verbatim_answer_seconds_bucket{le="0.005"} 0
verbatim_answer_seconds_bucket{le="0.01"} 0
verbatim_answer_seconds_bucket{le="0.025"} 0
verbatim_answer_seconds_bucket{le="0.05"} 0
verbatim_answer_seconds_bucket{le="0.1"} 0
verbatim_answer_seconds_bucket{le="0.25"} 0
verbatim_answer_seconds_bucket{le="0.5"} 0
verbatim_answer_seconds_bucket{le="1"} 0
verbatim_answer_seconds_bucket{le="2.5"} 0
verbatim_answer_seconds_bucket{le="5"} 0
verbatim_answer_seconds_bucket{le="+Inf"} 0
verbatim_answer_seconds_sum 0
verbatim_answer_seconds_count 0
# HELP verbatim_errors_total Unexpected errors, by kind.
# TYPE verbatim_errors_total counter
verbatim_errors_total{kind="answer"} 0
verbatim_errors_total{kind="discord"} 0
verbatim_errors_total{kind="panic"} 0
# HELP verbatim_questions_declined_total Questions the corpus does not answer (suggestions given instead).
# TYPE verbatim_questions_declined_total counter
verbatim_questions_declined_total 0
# HELP verbatim_questions_total Questions asked, refused and failed ones included.
# TYPE verbatim_questions_total counter
verbatim_questions_total 0
`
	if got != want {
		t.Errorf("exposition:\n%s\nwant:\n%s", got, want)
	}
}

// fakeService answers from a script keyed by question.
type fakeService struct {
	answers map[string]answer.Answer
	errs    map[string]error
}

func (f *fakeService) Ask(_ context.Context, q, _ string, _ int) (answer.Answer, error) {
	if err := f.errs[q]; err != nil {
		return answer.Answer{}, err
	}
	return f.answers[q], nil
}

func (f *fakeService) Search(_ context.Context, q, _ string, _ int) (answer.Ranking, error) {
	return answer.Ranking{}, f.errs[q]
}

func (f *fakeService) Link(d *document.Document, n int) string { return fmt.Sprintf("%s#q%d", d.ID, n) }

func (f *fakeService) QuoteFor(d *document.Document, n int, terms []string, _ int) (answer.Hit, bool) {
	return answer.Hit{Document: d.ID, Section: n, Quote: strings.Join(terms, " ")}, true
}

// steppingClock advances by step at every reading.
func steppingClock(step time.Duration) func() time.Time {
	var mu sync.Mutex
	t := time.Unix(0, 0)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(step)
		return t
	}
}

func TestAnswererCounts(t *testing.T) {
	svc := &fakeService{
		answers: map[string]answer.Answer{
			"answered": {Answered: true},
			"declined": {Answered: false},
		},
		errs: map[string]error{
			"":         answer.ErrEmptyQuestion,
			"long":     fmt.Errorf("ask: %w", answer.ErrQuestionTooLong),
			"broken":   errors.New("index closed"),
			"canceled": fmt.Errorf("search: %w", context.Canceled),
		},
	}
	reg := New(func() int { return 7 })
	a := Instrument(svc, reg)
	a.now = steppingClock(3 * time.Millisecond) // every Ask takes 3ms
	ctx := context.Background()
	for _, q := range []string{"answered", "answered", "declined", "", "long", "broken", "canceled"} {
		_, err := a.Ask(ctx, q, "", 3)
		if !errors.Is(err, svc.errs[q]) {
			t.Errorf("Ask(%q) = %v, want %v", q, err, svc.errs[q])
		}
	}
	if _, err := a.Search(ctx, "broken", "", 5); err == nil {
		t.Error("Search(broken) hid the error")
	}
	_, _ = a.Search(ctx, "long", "", 5)
	if got := a.Link(&document.Document{ID: "d"}, 2); got != "d#q2" {
		t.Errorf("Link = %q", got)
	}
	if h, ok := a.QuoteFor(&document.Document{ID: "d"}, 3, []string{"soft", "power"}, 0); !ok || h.Section != 3 || h.Quote != "soft power" {
		t.Errorf("QuoteFor = %+v %v", h, ok)
	}
	reg.Error("discord")
	reg.Error(`we"ird\kind` + "\n")

	got := exposition(t, reg)
	want := `# HELP verbatim_answer_seconds Time taken to answer a question, in seconds (questions refused as empty or too long excluded).
# TYPE verbatim_answer_seconds histogram
verbatim_answer_seconds_bucket{le="0.0005"} 0
verbatim_answer_seconds_bucket{le="0.001"} 0
verbatim_answer_seconds_bucket{le="0.0025"} 0
verbatim_answer_seconds_bucket{le="0.005"} 5
verbatim_answer_seconds_bucket{le="0.01"} 5
verbatim_answer_seconds_bucket{le="0.025"} 5
verbatim_answer_seconds_bucket{le="0.05"} 5
verbatim_answer_seconds_bucket{le="0.1"} 5
verbatim_answer_seconds_bucket{le="0.25"} 5
verbatim_answer_seconds_bucket{le="0.5"} 5
verbatim_answer_seconds_bucket{le="1"} 5
verbatim_answer_seconds_bucket{le="2.5"} 5
verbatim_answer_seconds_bucket{le="5"} 5
verbatim_answer_seconds_bucket{le="+Inf"} 5
verbatim_answer_seconds_sum 0.015
verbatim_answer_seconds_count 5
# HELP verbatim_documents Documents in the corpus.
# TYPE verbatim_documents gauge
verbatim_documents 7
# HELP verbatim_errors_total Unexpected errors, by kind.
# TYPE verbatim_errors_total counter
verbatim_errors_total{kind="answer"} 2
verbatim_errors_total{kind="discord"} 1
verbatim_errors_total{kind="panic"} 0
verbatim_errors_total{kind="we\"ird\\kind\n"} 1
# HELP verbatim_questions_declined_total Questions the corpus does not answer (suggestions given instead).
# TYPE verbatim_questions_declined_total counter
verbatim_questions_declined_total 1
# HELP verbatim_questions_total Questions asked, refused and failed ones included.
# TYPE verbatim_questions_total counter
verbatim_questions_total 7
`
	if got != want {
		t.Errorf("exposition:\n%s\nwant:\n%s", got, want)
	}
}

func TestHistogramBucketEdges(t *testing.T) {
	h := newHistogram([]float64{0.001, 0.01})
	for _, v := range []float64{0.0005, 0.001, 0.002, 0.01, 7} {
		h.observe(v)
	}
	// le is inclusive: 0.001 falls in the first bucket, 0.01 in the second.
	if want := []uint64{2, 2, 1}; fmt.Sprint(h.counts) != fmt.Sprint(want) {
		t.Errorf("counts = %v, want %v", h.counts, want)
	}
}

func TestErrorKindsBounded(t *testing.T) {
	reg := New(nil)
	for i := range 100 {
		reg.Error(fmt.Sprint("kind", i))
	}
	got := exposition(t, reg)
	if n := strings.Count(got, "verbatim_errors_total{"); n != maxErrorKinds+1 {
		t.Errorf("%d error series, want %d", n, maxErrorKinds+1)
	}
	if !strings.Contains(got, `verbatim_errors_total{kind="other"} `) {
		t.Error(`no "other" series`)
	}
}

func TestServeHTTP(t *testing.T) {
	reg := New(nil)
	rec := httptest.NewRecorder()
	reg.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type = %q", ct)
	}
	if !strings.Contains(rec.Body.String(), "verbatim_questions_total 0\n") {
		t.Errorf("body:\n%s", rec.Body)
	}
}

// TestConcurrent is for the race detector: counting while scraping.
func TestConcurrent(t *testing.T) {
	svc := &fakeService{answers: map[string]answer.Answer{"q": {Answered: true}}}
	reg := New(func() int { return 1 })
	a := Instrument(svc, reg)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				_, _ = a.Ask(context.Background(), "q", "", 3)
				reg.Error("discord")
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			var b strings.Builder
			_, _ = reg.WriteTo(&b)
		}
	})
	wg.Wait()
	got := exposition(t, reg)
	for _, want := range []string{"verbatim_questions_total 1600\n", "verbatim_answer_seconds_count 1600\n", `verbatim_errors_total{kind="discord"} 1600` + "\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q", want)
		}
	}
}
