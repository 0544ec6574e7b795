package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fakeSystem answers from a table keyed by query text.
type fakeSystem struct {
	results map[string]Result
	asked   []int // k of each call
}

func (f *fakeSystem) Search(_ context.Context, q string, k int) (Result, error) {
	f.asked = append(f.asked, k)
	if q == "fail" {
		return Result{}, errors.New("index closed")
	}
	return f.results[q], nil
}

// stepClock advances by the next step each time it is read twice (before
// and after one Search), so query i takes steps[i].
func stepClock(steps ...time.Duration) func() time.Time {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	reads := 0
	return func() time.Time {
		if reads%2 == 1 {
			now = now.Add(steps[reads/2])
		}
		reads++
		return now
	}
}

func testSet() *Set {
	return &Set{
		Name: "test",
		Queries: []Query{
			{ID: "q1", Text: "apples"},
			{ID: "q2", Text: "fruit"},
			{ID: "q3", Text: "nothing found"},
			{ID: "d1", Text: "weather", Decline: true},
			{ID: "d2", Text: "football", Decline: true},
			{ID: "q4", Text: "only zeros"},
		},
		Qrels: map[string]map[string]int{
			"q1": {"a": 1},
			"q2": {"a": 2, "b": 1},
			"q3": {"a": 1},
			"q4": {"a": 0},
		},
	}
}

func TestEvaluate(t *testing.T) {
	sys := &fakeSystem{results: map[string]Result{
		"apples":        {IDs: []string{"a", "x"}, Scores: []float64{2.5, 1}, Answered: true},
		"fruit":         {IDs: []string{"b", "x", "a"}, Scores: []float64{3, 2, 1}, Answered: false},
		"nothing found": {Answered: false},
		"weather":       {IDs: []string{"x"}, Answered: true}, // no scores: written as rank-derived
		"football":      {IDs: []string{}, Answered: false},
		"only zeros":    {IDs: []string{"a"}, Answered: true},
	}}
	var run bytes.Buffer
	ms := time.Millisecond
	rep, err := evaluate(context.Background(), testSet(), sys, Options{Run: &run, Tag: "bm25"},
		stepClock(5*ms, 1*ms, 3*ms, 2*ms, 4*ms, 6*ms))
	if err != nil {
		t.Fatal(err)
	}
	// q1: perfect. q2: b then a (see TestJudge), q3: nothing.
	q2 := 2 / (2 + 1/math.Log2(3))
	want := Report{
		Set: "test", Queries: 6, Answerable: 3, Declinable: 2,
		NDCG10: (1 + q2 + 0) / 3, MRR10: 2.0 / 3, Recall5: 2.0 / 3, Top1: 2.0 / 3,
		AnsweredRate: 1.0 / 3, DeclinedRate: 1.0 / 2,
		LatencyP50: 3 * ms, LatencyP95: 6 * ms, LatencyP99: 6 * ms,
	}
	got := rep
	got.PerQuery = nil
	if !near(got.NDCG10, want.NDCG10) {
		t.Errorf("NDCG10 = %v, want %v", got.NDCG10, want.NDCG10)
	}
	got.NDCG10 = want.NDCG10
	if !reflect.DeepEqual(got, want) {
		t.Errorf("report = %+v\nwant     %+v", got, want)
	}
	for _, k := range sys.asked {
		if k != DefaultK {
			t.Errorf("Search asked for k=%d, want %d", k, DefaultK)
		}
	}

	wantPer := []QueryResult{
		{ID: "q1", Text: "apples", Judged: true, Answered: true, Top: []string{"a", "x"}, NDCG10: 1, FirstRelevant: 1, Latency: 5 * ms},
		{ID: "q2", Text: "fruit", Judged: true, Top: []string{"b", "x", "a"}, NDCG10: q2, FirstRelevant: 1, Latency: 1 * ms},
		{ID: "q3", Text: "nothing found", Judged: true, Latency: 3 * ms},
		{ID: "d1", Text: "weather", Decline: true, Answered: true, Top: []string{"x"}, Latency: 2 * ms},
		{ID: "d2", Text: "football", Decline: true, Latency: 4 * ms},
		{ID: "q4", Text: "only zeros", Answered: true, Top: []string{"a"}, Latency: 6 * ms},
	}
	if !reflect.DeepEqual(rep.PerQuery, wantPer) {
		t.Errorf("PerQuery =\n%+v\nwant\n%+v", rep.PerQuery, wantPer)
	}

	wantRun := strings.Join([]string{
		"q1 Q0 a 1 2.5 bm25",
		"q1 Q0 x 2 1 bm25",
		"q2 Q0 b 1 3 bm25",
		"q2 Q0 x 2 2 bm25",
		"q2 Q0 a 3 1 bm25",
		"d1 Q0 x 1 1 bm25",
		"q4 Q0 a 1 1 bm25",
	}, "\n") + "\n"
	if run.String() != wantRun {
		t.Errorf("run =\n%s\nwant\n%s", run.String(), wantRun)
	}
}

func TestEvaluateRunTruncatesToK(t *testing.T) {
	s := &Set{Name: "k", Queries: []Query{{ID: "q1", Text: "x"}}, Qrels: map[string]map[string]int{"q1": {"c": 1}}}
	sys := &fakeSystem{results: map[string]Result{"x": {IDs: []string{"a", "b", "c"}, Scores: []float64{0.3, 0.2, 0.1}}}}
	var run bytes.Buffer
	rep, err := Evaluate(context.Background(), s, sys, Options{K: 2, Run: &run})
	if err != nil {
		t.Fatal(err)
	}
	if want := "q1 Q0 a 1 0.3 verbatim\nq1 Q0 b 2 0.2 verbatim\n"; run.String() != want {
		t.Errorf("run = %q, want %q", run.String(), want)
	}
	if rep.NDCG10 != 0 || rep.PerQuery[0].FirstRelevant != 0 || sys.asked[0] != 2 {
		t.Errorf("a result past K counted: %+v, asked k=%v", rep, sys.asked)
	}
}

func TestEvaluateErrors(t *testing.T) {
	okSet := &Set{Name: "s", Queries: []Query{{ID: "q1", Text: "x"}}, Qrels: map[string]map[string]int{"q1": {"a": 1}}}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name     string
		ctx      context.Context
		set      *Set
		sys      System
		opt      Options
		wantIs   error
		wantText string
	}{
		{"no set", context.Background(), nil, &fakeSystem{}, Options{}, ErrInvalid, "no question set"},
		{"no system", context.Background(), okSet, nil, Options{}, ErrInvalid, "no system"},
		{"tag with space", context.Background(), okSet, &fakeSystem{}, Options{Tag: "my run"}, ErrInvalid, "white space"},
		{"scores mismatch", context.Background(), okSet,
			&fakeSystem{results: map[string]Result{"x": {IDs: []string{"a", "b"}, Scores: []float64{1}}}},
			Options{}, ErrInvalid, "2 ids but 1 scores"},
		{"doc id with space in a run", context.Background(), okSet,
			&fakeSystem{results: map[string]Result{"x": {IDs: []string{"a b"}}}},
			Options{Run: &bytes.Buffer{}}, ErrInvalid, `doc id "a b"`},
		{"search fails", context.Background(), &Set{Queries: []Query{{ID: "q7", Text: "fail"}}}, &fakeSystem{}, Options{}, nil, "search query q7: index closed"},
		{"canceled", canceled, okSet, &fakeSystem{}, Options{}, context.Canceled, "evaluate s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Evaluate(tt.ctx, tt.set, tt.sys, tt.opt)
			if err == nil {
				t.Fatal("Evaluate succeeded, want an error")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %q does not wrap %v", err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not contain %q", err, tt.wantText)
			}
		})
	}
}

func TestReportWriteText(t *testing.T) {
	tests := []struct {
		name string
		r    Report
		want string
	}{
		{
			name: "full",
			r: Report{
				Set: "seeds", Queries: 80, Answerable: 56, Declinable: 24,
				NDCG10: 0.81234, MRR10: 0.79, Recall5: 0.91, Top1: 0.7,
				AnsweredRate: 0.875, DeclinedRate: 0.5,
				LatencyP50: 1200 * time.Microsecond, LatencyP95: 3400 * time.Microsecond, LatencyP99: 12 * time.Millisecond,
				BuildTime: 1500 * time.Millisecond,
			},
			want: "" +
				"set          seeds\n" +
				"queries      80  (56 answerable, 24 to decline)\n" +
				"nDCG@10      0.8123\n" +
				"MRR@10       0.7900\n" +
				"Recall@5     0.9100\n" +
				"top-1        0.7000\n" +
				"answered     87.5%  of 56 answerable\n" +
				"declined     50.0%  of 24 to decline\n" +
				"latency p50  1.200 ms\n" +
				"latency p95  3.400 ms\n" +
				"latency p99  12.000 ms\n" +
				"build time   1500.000 ms\n",
		},
		{
			name: "empty",
			r:    Report{Set: "none"},
			want: "" +
				"set          none\n" +
				"queries      0  (0 answerable, 0 to decline)\n" +
				"nDCG@10      -\n" +
				"MRR@10       -\n" +
				"Recall@5     -\n" +
				"top-1        -\n" +
				"answered     -\n" +
				"declined     -\n" +
				"latency p50  0.000 ms\n" +
				"latency p95  0.000 ms\n" +
				"latency p99  0.000 ms\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := tt.r.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("WriteText =\n%s\nwant\n%s", b.String(), tt.want)
			}
		})
	}
}

func TestReportJSON(t *testing.T) {
	r := Report{
		Set: "seeds", Queries: 3, Answerable: 2, Declinable: 1,
		NDCG10: 0.5, MRR10: 0.25, Recall5: 1, Top1: 0.5, AnsweredRate: 1, DeclinedRate: 0,
		LatencyP50: 1500 * time.Microsecond, LatencyP95: 2 * time.Millisecond, LatencyP99: 250 * time.Microsecond,
		PerQuery: []QueryResult{{ID: "q1"}},
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"set":"seeds","queries":3,"answerable":2,"declinable":1,"ndcg_10":0.5,"mrr_10":0.25,"recall_5":1,"top_1":0.5,` +
		`"answered_rate":1,"declined_rate":0,"latency_p50_ms":1.5,"latency_p95_ms":2,"latency_p99_ms":0.25}`
	if string(b) != want {
		t.Errorf("JSON =\n%s\nwant\n%s", b, want)
	}
	r.BuildTime = 42 * time.Millisecond
	b, err = json.Marshal(&r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(b), `"build_time_ms":42}`) {
		t.Errorf("JSON with a build time = %s", b)
	}
}

// oracle returns each query's relevant docs, best first, then the rest of
// the corpus; it checks the whole pipeline on real data.
type oracle struct {
	set    *Set
	byText map[string]string
}

func (o oracle) Search(_ context.Context, q string, k int) (Result, error) {
	rels := o.set.Qrels[o.byText[q]]
	var ids []string
	for _, d := range o.set.Corpus {
		if rels[d.ID] > 0 {
			ids = append(ids, d.ID)
		}
	}
	if len(ids) > k {
		ids = ids[:k]
	}
	return Result{IDs: ids, Answered: len(ids) > 0}, nil
}

func TestEvaluateOracleOnStackFAQ(t *testing.T) {
	dir := filepath.Join(evaldata, "stackfaq")
	s, err := LoadBEIR(dir, "")
	if err != nil {
		t.Skipf("shared evaluation data not usable: %v", err)
	}
	o := oracle{set: s, byText: map[string]string{}}
	for _, q := range s.Queries {
		o.byText[q.Text] = q.ID // texts may repeat; any query of the same thread will do
	}
	var run bytes.Buffer
	rep, err := Evaluate(context.Background(), s, o, Options{Run: &run})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Answerable != 1249 || rep.NDCG10 != 1 || rep.MRR10 != 1 || rep.Recall5 != 1 || rep.Top1 != 1 || rep.AnsweredRate != 1 {
		t.Errorf("oracle report = %+v", rep)
	}
	if lines := strings.Count(run.String(), "\n"); lines != 1249 {
		t.Errorf("run has %d lines, want 1249", lines)
	}
}
