package eval

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// WriteText writes the report as an aligned two-column table for people.
// Metrics without queries to average over print as "-". It returns w's
// error.
func (r Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	metric := func(v float64) string {
		if r.Answerable == 0 {
			return "-"
		}
		return fmt.Sprintf("%.4f", v)
	}
	share := func(v float64, n int, of string) string {
		if n == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f%%\tof %d %s", 100*v, n, of)
	}
	fmt.Fprintf(tw, "set\t%s\n", r.Set)
	fmt.Fprintf(tw, "queries\t%d\t(%d answerable, %d to decline)\n", r.Queries, r.Answerable, r.Declinable)
	fmt.Fprintf(tw, "nDCG@10\t%s\n", metric(r.NDCG10))
	fmt.Fprintf(tw, "MRR@10\t%s\n", metric(r.MRR10))
	fmt.Fprintf(tw, "Recall@5\t%s\n", metric(r.Recall5))
	fmt.Fprintf(tw, "top-1\t%s\n", metric(r.Top1))
	fmt.Fprintf(tw, "answered\t%s\n", share(r.AnsweredRate, r.Answerable, "answerable"))
	fmt.Fprintf(tw, "declined\t%s\n", share(r.DeclinedRate, r.Declinable, "to decline"))
	fmt.Fprintf(tw, "latency p50\t%s\n", ms(r.LatencyP50))
	fmt.Fprintf(tw, "latency p95\t%s\n", ms(r.LatencyP95))
	fmt.Fprintf(tw, "latency p99\t%s\n", ms(r.LatencyP99))
	if r.BuildTime > 0 {
		fmt.Fprintf(tw, "build time\t%s\n", ms(r.BuildTime))
	}
	return tw.Flush()
}

// ms formats d in milliseconds with microsecond precision, so that a column
// of durations lines up and compares at a glance.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.3f ms", millis(d))
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// MarshalJSON encodes the report with snake_case names and durations as
// milliseconds (float); PerQuery is left out.
func (r Report) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Set          string  `json:"set"`
		Queries      int     `json:"queries"`
		Answerable   int     `json:"answerable"`
		Declinable   int     `json:"declinable"`
		NDCG10       float64 `json:"ndcg_10"`
		MRR10        float64 `json:"mrr_10"`
		Recall5      float64 `json:"recall_5"`
		Top1         float64 `json:"top_1"`
		AnsweredRate float64 `json:"answered_rate"`
		DeclinedRate float64 `json:"declined_rate"`
		LatencyP50   float64 `json:"latency_p50_ms"`
		LatencyP95   float64 `json:"latency_p95_ms"`
		LatencyP99   float64 `json:"latency_p99_ms"`
		BuildTime    float64 `json:"build_time_ms,omitempty"`
	}{
		r.Set, r.Queries, r.Answerable, r.Declinable,
		r.NDCG10, r.MRR10, r.Recall5, r.Top1,
		r.AnsweredRate, r.DeclinedRate,
		millis(r.LatencyP50), millis(r.LatencyP95), millis(r.LatencyP99),
		millis(r.BuildTime),
	})
}
