package eval

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"
)

func TestJudge(t *testing.T) {
	log2 := math.Log2
	var many []string // r01..r12, all relevant
	manyRels := map[string]int{}
	for i := 1; i <= 12; i++ {
		id := fmt.Sprintf("r%02d", i)
		many = append(many, id)
		manyRels[id] = 1
	}
	var ideal12 float64
	for i := 1; i <= 10; i++ {
		ideal12 += 1 / log2(float64(i+1))
	}
	tests := []struct {
		name    string
		ranking []string
		rels    map[string]int
		want    metrics
	}{
		{
			name:    "one relevant at rank 2",
			ranking: []string{"x", "a", "y"},
			rels:    map[string]int{"a": 1},
			// DCG 1/log2(3), ideal 1/log2(2) = 1.
			want: metrics{ndcg10: 1 / log2(3), rr10: 0.5, recall5: 1, first: 2},
		},
		{
			name:    "graded: the lesser doc first",
			ranking: []string{"b", "x", "a"},
			rels:    map[string]int{"a": 2, "b": 1},
			// DCG 1/log2(2) + 2/log2(4) = 2; ideal 2/log2(2) + 1/log2(3).
			want: metrics{ndcg10: 2 / (2 + 1/log2(3)), rr10: 1, recall5: 1, first: 1},
		},
		{
			name:    "graded: ideal order",
			ranking: []string{"a", "b"},
			rels:    map[string]int{"a": 3, "b": 1},
			want:    metrics{ndcg10: 1, rr10: 1, recall5: 1, first: 1},
		},
		{
			name:    "more relevant docs than k",
			ranking: many[:10],
			rels:    manyRels,
			// The ideal DCG is cut at 10 too, so ten relevant out of ten is perfect; recall@5 is 5 of 12.
			want: metrics{ndcg10: 1, rr10: 1, recall5: 5.0 / 12, first: 1},
		},
		{
			name:    "more relevant docs than k, two missing from the top 10",
			ranking: append([]string{"x", "y"}, many[:8]...),
			rels:    manyRels,
			want: metrics{
				ndcg10: func() float64 {
					var dcg float64
					for rank := 3; rank <= 10; rank++ {
						dcg += 1 / log2(float64(rank+1))
					}
					return dcg / ideal12
				}(),
				rr10: 1.0 / 3, recall5: 3.0 / 12, first: 3,
			},
		},
		{
			name:    "relevant only at rank 11",
			ranking: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "a"},
			rels:    map[string]int{"a": 1},
			want:    metrics{first: 11},
		},
		{
			name:    "relevant at rank 6: in MRR@10, not in Recall@5",
			ranking: []string{"1", "2", "3", "4", "5", "a"},
			rels:    map[string]int{"a": 1},
			want:    metrics{ndcg10: 1 / log2(7), rr10: 1.0 / 6, first: 6},
		},
		{
			name:    "empty ranking",
			ranking: nil,
			rels:    map[string]int{"a": 1},
			want:    metrics{},
		},
		{
			name:    "repeated id counts once",
			ranking: []string{"a", "a", "b"},
			rels:    map[string]int{"a": 1, "b": 1},
			want:    metrics{ndcg10: (1 + 1/log2(4)) / (1 + 1/log2(3)), rr10: 1, recall5: 1, first: 1},
		},
		{
			name:    "zero and negative judgments are not relevant",
			ranking: []string{"a", "c", "b"},
			rels:    map[string]int{"a": 0, "b": 1, "c": -1},
			want:    metrics{ndcg10: 1 / log2(4), rr10: 1.0 / 3, recall5: 1, first: 3},
		},
		{
			name:    "no relevant judgments",
			ranking: []string{"a"},
			rels:    map[string]int{"a": 0},
			want:    metrics{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := judge(tt.ranking, tt.rels)
			if got.first != tt.want.first || !near(got.ndcg10, tt.want.ndcg10) ||
				!near(got.rr10, tt.want.rr10) || !near(got.recall5, tt.want.recall5) {
				t.Errorf("judge(%v, %v) = %+v, want %+v", tt.ranking, tt.rels, got, tt.want)
			}
		})
	}
}

// TestJudgeKnownValues pins figures computed by hand, independently of the
// formula in the test table above.
func TestJudgeKnownValues(t *testing.T) {
	tests := []struct {
		ranking []string
		rels    map[string]int
		ndcg    float64
	}{
		{[]string{"x", "a"}, map[string]int{"a": 1}, 0.6309297535714575},
		{[]string{"b", "x", "a"}, map[string]int{"a": 2, "b": 1}, 0.7601875334318685},
		{[]string{"x", "x2", "a", "b"}, map[string]int{"a": 1, "b": 1, "c": 1}, 0.4367467095119258},
	}
	for _, tt := range tests {
		if got := judge(tt.ranking, tt.rels).ndcg10; !near(got, tt.ndcg) {
			t.Errorf("nDCG@10 of %v against %v = %.16f, want %.16f", tt.ranking, tt.rels, got, tt.ndcg)
		}
	}
}

func TestPercentile(t *testing.T) {
	var twenty []time.Duration
	for i := 20; i >= 1; i-- { // unsorted on purpose
		twenty = append(twenty, time.Duration(i)*time.Millisecond)
	}
	orig := slices.Clone(twenty)
	tests := []struct {
		name string
		ds   []time.Duration
		p    float64
		want time.Duration
	}{
		{"none", nil, 50, 0},
		{"one", []time.Duration{7}, 99, 7},
		{"p50 of 20", twenty, 50, 10 * time.Millisecond},
		{"p95 of 20 is exactly the 19th", twenty, 95, 19 * time.Millisecond},
		{"p99 of 20 rounds up to the 20th", twenty, 99, 20 * time.Millisecond},
		{"p100", twenty, 100, 20 * time.Millisecond},
		{"p0 is the smallest", twenty, 0, 1 * time.Millisecond},
		{"p50 of 4 is the 2nd", []time.Duration{4, 1, 3, 2}, 50, 2},
		{"p95 of 3 is the largest", []time.Duration{1, 3, 2}, 95, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.ds, tt.p); got != tt.want {
				t.Errorf("percentile(p%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
	if !slices.Equal(twenty, orig) {
		t.Error("percentile modified its input")
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }
