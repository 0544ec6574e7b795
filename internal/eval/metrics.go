package eval

import (
	"math"
	"slices"
	"time"
)

// metrics are one query's scores.
type metrics struct {
	ndcg10, rr10, recall5 float64
	first                 int // 1-based rank of the first relevant doc; 0 when none
}

// hasRelevant reports whether any judgment is > 0.
func hasRelevant(rels map[string]int) bool {
	for _, r := range rels {
		if r > 0 {
			return true
		}
	}
	return false
}

// judge scores one ranking against one query's judgments. It follows
// trec_eval (which BEIR calls through pytrec_eval): gains are the judged
// relevance levels, unjudged and non-positive ones count 0, the discount is
// log2(rank+1), and the ideal DCG is built from the judged relevant docs
// sorted by level. Unlike trec_eval it keeps the ranking in the order given
// rather than re-sorting by score (trec_eval breaks score ties by doc id), and
// a doc id repeated in the ranking counts only at its first position.
func judge(ranking []string, rels map[string]int) metrics {
	var m metrics
	var dcg float64
	found5, total := 0, 0
	for _, r := range rels {
		if r > 0 {
			total++
		}
	}
	seen := make(map[string]bool, len(ranking))
	for i, id := range ranking {
		if seen[id] {
			continue
		}
		seen[id] = true
		rank := i + 1
		rel := rels[id]
		if rel <= 0 {
			continue
		}
		if m.first == 0 {
			m.first = rank
		}
		if rank <= 10 {
			dcg += float64(rel) / math.Log2(float64(rank)+1)
		}
		if rank <= 5 {
			found5++
		}
	}
	if m.first > 0 && m.first <= 10 {
		m.rr10 = 1 / float64(m.first)
	}
	if total > 0 {
		m.recall5 = float64(found5) / float64(total)
		if idcg := idealDCG(rels, 10); idcg > 0 {
			m.ndcg10 = dcg / idcg
		}
	}
	return m
}

// idealDCG is the DCG of the best possible ranking of the judged relevant
// docs, cut at k.
func idealDCG(rels map[string]int, k int) float64 {
	levels := make([]int, 0, len(rels))
	for _, r := range rels {
		if r > 0 {
			levels = append(levels, r)
		}
	}
	slices.Sort(levels)
	slices.Reverse(levels)
	var idcg float64
	for i, r := range levels {
		if i == k {
			break
		}
		idcg += float64(r) / math.Log2(float64(i+2))
	}
	return idcg
}

// percentile returns the p-th percentile of ds by the nearest-rank method:
// the smallest value with at least p% of the values at or below it. It
// returns 0 for no values and does not modify ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	// p*n before /100 keeps whole results exact (0.95*20 is 19.000000000000004).
	rank := int(math.Ceil(p * float64(len(sorted)) / 100))
	rank = max(1, min(rank, len(sorted)))
	return sorted[rank-1]
}
