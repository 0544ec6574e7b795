package answer_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/document"
	"github.com/verbatimbot/verbatim/internal/eval"
	"github.com/verbatimbot/verbatim/internal/parse"
)

// spanishID is the Spanish interview written for these tests: thirteen
// questions on lithium and technology cooperation in Latin America.
const spanishID = "litio-america-latina"

// spanishDir is the Spanish question set, also measured by `verbatim eval evalsets/es`.
var spanishDir = filepath.Join("..", "..", "evalsets", "es")

func spanishDoc(tb testing.TB) *document.Document {
	tb.Helper()
	docs, err := eval.LoadDocuments(spanishDir)
	if err != nil {
		tb.Fatal(err)
	}
	for _, d := range docs {
		if d.ID == spanishID {
			return d
		}
	}
	tb.Fatalf("no document %s in %s", spanishID, spanishDir)
	return nil
}

func TestSpanishDocumentParses(t *testing.T) {
	d := spanishDoc(t)
	if d.Meta.Language != "es" || len(d.Sections) != 13 || d.Meta.Interviewee != "Martín Peña Quispe" {
		t.Fatalf("language %q, %d sections, interviewee %q", d.Meta.Language, len(d.Sections), d.Meta.Interviewee)
	}
	// Without the front matter's language the parser detects it.
	data, _ := os.ReadFile(filepath.Join(spanishDir, "documents", spanishID+".txt"))
	data = []byte(strings.Replace(string(data), "language: es\n", "", 1))
	u, err := parse.Parse(data, parse.Options{Name: spanishID + ".txt"})
	if err != nil || u.Meta.Language != "es" {
		t.Fatalf("detected language %q, err %v", u.Meta.Language, err)
	}
}

// evaluate runs a labelled set against a.
func evaluate(t *testing.T, a *answer.Answerer, set *eval.Set) eval.Report {
	t.Helper()
	rep, err := eval.Evaluate(context.Background(), set, eval.AnswererSystem{Answerer: a, BySection: true}, eval.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: nDCG@10 %.4f MRR@10 %.4f R@5 %.4f top-1 %.4f answered %.4f declined %.4f",
		set.Name, rep.NDCG10, rep.MRR10, rep.Recall5, rep.Top1, rep.AnsweredRate, rep.DeclinedRate)
	for _, q := range rep.PerQuery {
		switch {
		case q.Decline && q.Answered:
			t.Logf("  %-7s answered, should decline: %q", q.ID, q.Text)
		case q.Judged && q.FirstRelevant != 1:
			t.Logf("  %-7s first relevant at %d, answered=%v: %q", q.ID, q.FirstRelevant, q.Answered, q.Text)
		case q.Judged && !q.Answered:
			t.Logf("  %-7s declined, should answer: %q", q.ID, q.Text)
		}
	}
	return rep
}

// TestSpanishQuestionSet asks the Spanish questions of evalsets/es, written
// before the system was run on them (paraphrases, keywords, details,
// questions typed without accents, a typo, and off-topic questions to
// decline), of the seeds and the Spanish interview indexed together. The
// English seed set scores nDCG@10 0.936 and top-1 0.875 on the seeds.
func TestSpanishQuestionSet(t *testing.T) {
	set, err := eval.LoadBEIR(spanishDir, "")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := newAnswerer(t, spanishDoc(t))
	rep := evaluate(t, a, set)
	// Measured: nDCG@10 0.884, top-1 0.816 (31 of 38), answered 84%,
	// declined 9 of 10 ("¿Cuál es la capital de Francia?" is answered from
	// the section that speaks of Chinese capital, as an English near-miss
	// sharing one rare word is). Analysing the interview as English instead
	// gives nDCG@10 0.895, top-1 0.789, answered 92% (Spanish stop words
	// then count as matched words) and answers "¿Quién escribió Cien años
	// de soledad?". The floors leave room for tuning.
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"nDCG@10", rep.NDCG10, 0.85},
		{"top-1", rep.Top1, 0.78},
		{"answered", rep.AnsweredRate, 0.80},
		{"declined", rep.DeclinedRate, 0.90},
	} {
		if c.got < c.want {
			t.Errorf("%s %.4f, want at least %.2f", c.name, c.got, c.want)
		}
	}
}

// TestSeedSetBesideSpanish asks the English seed questions with the Spanish
// interview in the index too: the figures must be those of the seeds alone.
func TestSeedSetBesideSpanish(t *testing.T) {
	set, err := eval.LoadBEIR(filepath.Join("..", "..", "evalsets", "seeds"), "")
	if err != nil {
		t.Fatal(err)
	}
	alone, _ := newAnswerer(t)
	mixed, _ := newAnswerer(t, spanishDoc(t))
	want, got := evaluate(t, alone, set), evaluate(t, mixed, set)
	if got.NDCG10 < want.NDCG10 || got.Top1 < want.Top1 || got.AnsweredRate < want.AnsweredRate || got.DeclinedRate < want.DeclinedRate {
		t.Errorf("beside the Spanish interview: nDCG@10 %.4f top-1 %.4f answered %.4f declined %.4f; alone %.4f %.4f %.4f %.4f",
			got.NDCG10, got.Top1, got.AnsweredRate, got.DeclinedRate, want.NDCG10, want.Top1, want.AnsweredRate, want.DeclinedRate)
	}
	for i, q := range got.PerQuery {
		if q.Judged && len(q.Top) > 0 && !strings.HasPrefix(q.Top[0], seedID+"#") {
			t.Errorf("%s %q: first result %s, outside the English interview", q.ID, q.Text, q.Top[0])
		}
		if w := want.PerQuery[i]; w.ID == q.ID && w.Answered != q.Answered {
			t.Errorf("%s %q: answered %v, alone %v", q.ID, q.Text, q.Answered, w.Answered)
		}
	}
}

func TestAskSpanish(t *testing.T) {
	a, set := newAnswerer(t, spanishDoc(t))
	tests := []struct {
		question string
		section  int
		quoted   string // must appear in the first quote, or in its question when it starts with "?"
	}{
		{"¿Qué es la extracción directa de litio?", 6, "extracción directa"},
		{"extraccion directa", 6, "extracción directa"},                    // no accents
		{"informacion", 11, "información"},                                 // no accents
		{"tecnologia", 5, "?tecnología"},                                   // no accents; in the question only
		{"¿Qué tecnologías usa la EDL?", 6, "resinas"},                     // plural, accented
		{"trasparencia", 11, "transparencia"},                              // typo: a Spanish correction
		{"anos de bonanza", 12, "años de bonanza"},                         // ñ typed as n
		{"¿Cómo participan las comunidades indígenas?", 7, "Convenio 169"}, // plural/singular, stop words
		{"TIANQI Y SQM", 3, "Tianqi"},
	}
	for _, tt := range tests {
		t.Run(tt.question, func(t *testing.T) {
			ans, h := firstHit(t, a, tt.question, spanishID, tt.section)
			if q, ok := strings.CutPrefix(tt.quoted, "?"); ok {
				if !strings.Contains(h.Asked, q) {
					t.Errorf("question %q lacks %q", h.Asked, q)
				}
			} else if !strings.Contains(h.Quote, tt.quoted) {
				t.Errorf("quote %q lacks %q", h.Quote, tt.quoted)
			}
			if h.Speaker != "Martín Peña Quispe" || h.Asker != "Lucía Ibáñez" || !strings.HasPrefix(h.Asked, "¿") {
				t.Errorf("hit metadata %+v", h)
			}
			checkVerbatim(t, set, ans)
		})
	}
}

func TestAskSpanishDeclines(t *testing.T) {
	a, _ := newAnswerer(t, spanishDoc(t))
	for _, q := range []string{
		"¿Cuál es la receta tradicional de la paella valenciana?",
		"¿Quién ganó el Mundial de fútbol de 1986?",
		"Recomiéndame una película de terror para el fin de semana",
		"¿Quién escribió Cien años de soledad?",
		"¿¡!?",
		"What is the capital of Australia?", // "capital" is in the Spanish interview, but this is English
	} {
		t.Run(q, func(t *testing.T) {
			ans, err := a.Ask(context.Background(), q, "", 3)
			if err != nil {
				t.Fatal(err)
			}
			if ans.Answered || len(ans.Hits) != 0 {
				t.Fatalf("answered %q with %s#q%d", q, ans.Hits[0].Document, ans.Hits[0].Section)
			}
			if len(ans.Suggestions) == 0 {
				t.Fatal("no suggested questions")
			}
		})
	}
}
