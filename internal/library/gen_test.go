package library

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// A generator of interview transcripts for tests and the benchmark:
// deterministic for a seed, with an interviewer and an interviewee per
// document, a title, an introduction and questions and answers whose
// words follow a Zipf distribution over a vocabulary of a few thousand
// made-up words mixed with common English ones, so that term statistics
// look like those of real text.

var (
	firstNames = []string{"Ana", "Bruno", "Carmen", "David", "Elena", "Felipe", "Grace", "Hugo", "Irene", "Jorge",
		"Karin", "Luis", "Marta", "Nadia", "Oscar", "Paula", "Quentin", "Rosa", "Samuel", "Teresa", "Ulises", "Valeria"}
	lastNames = []string{"Álvarez", "Brennan", "Castro", "Dubois", "Esposito", "Fischer", "García", "Huang", "Ibáñez",
		"Jensen", "Kowalski", "López", "Moreau", "Nakamura", "Okafor", "Pérez", "Quiroga", "Rossi", "Silva", "Tanaka"}
	common = strings.Fields(`the of and to in a is that for it as was with be by on not he this are or his from at
		which but have an they you were her she there been one all we their has would when if so no will more can
		about what up out them some time into only other new could these two may first then do any like now my such
		over our even most after also made many before must through back years where much your way well down should
		because each just those people how too little state good very make world still own see men work long get here
		between both life being under never day same another know while last might us great old year off come since
		against go came right used take three`)
	questionForms = []string{
		"What did you learn about %s when you worked on %s?",
		"How would you describe the role of %s in %s?",
		"Why do you think %s matters so much for %s?",
		"Can you tell us how %s changed the way people see %s?",
		"What was the hardest part of %s, compared with %s?",
		"Where do you see %s going in the next ten years, given %s?",
		"Who first introduced you to %s and to %s?",
		"Is there a link between %s and %s that most people miss?",
		"How did the debate on %s affect %s?",
		"What would you change about %s if you could start %s again?",
	}
)

// vocabulary makes n distinct pronounceable words from syllables.
func vocabulary(r *rand.Rand, n int) []string {
	cons := []string{"b", "c", "d", "f", "g", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "tr", "st", "ch", "pl", "gr"}
	vow := []string{"a", "e", "i", "o", "u", "ai", "ea", "io", "ou"}
	seen := map[string]bool{}
	out := make([]string, 0, n)
	for len(out) < n {
		var b strings.Builder
		for k := 2 + r.IntN(3); k > 0; k-- {
			b.WriteString(cons[r.IntN(len(cons))])
			b.WriteString(vow[r.IntN(len(vow))])
		}
		if r.IntN(2) == 0 {
			b.WriteString(cons[r.IntN(len(cons))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// generator makes documents from one seed.
type generator struct {
	r     *rand.Rand
	vocab []string
	zipf  *rand.Zipf
}

func newGenerator(seed uint64) *generator {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	g := &generator{r: r, vocab: vocabulary(r, 6000)}
	g.zipf = rand.NewZipf(r, 1.1, 2, uint64(len(g.vocab)-1))
	return g
}

func (g *generator) word() string {
	if g.r.IntN(100) < 45 {
		return common[g.r.IntN(len(common))]
	}
	return g.vocab[g.zipf.Uint64()]
}

func (g *generator) phrase(n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = g.word()
	}
	return strings.Join(w, " ")
}

func (g *generator) sentence() string {
	s := g.phrase(8 + g.r.IntN(14))
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

func (g *generator) paragraph() string {
	n := 2 + g.r.IntN(4)
	s := make([]string, n)
	for i := range s {
		s[i] = g.sentence()
	}
	return strings.Join(s, " ")
}

func (g *generator) name() string {
	return firstNames[g.r.IntN(len(firstNames))] + " " + lastNames[g.r.IntN(len(lastNames))]
}

// genDoc is a generated transcript and the questions it asks.
type genDoc struct {
	Name, Title, Text string
	Questions         []string
}

// interview generates the n-th transcript, with about questions questions.
func (g *generator) interview(n, questions int) genDoc {
	asker, answerer := g.name(), g.name()
	for answerer == asker {
		answerer = g.name()
	}
	title := fmt.Sprintf("Interview %d: %s on %s", n, answerer, g.phrase(3))
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n%s\n\n", strings.ToUpper(title), g.paragraph())
	d := genDoc{Name: fmt.Sprintf("interview-%04d.txt", n), Title: title}
	for q := questions - 1 + g.r.IntN(3); q > 0; q-- {
		question := fmt.Sprintf(questionForms[g.r.IntN(len(questionForms))], g.phrase(2), g.phrase(2))
		d.Questions = append(d.Questions, question)
		fmt.Fprintf(&b, "%s: %s\n\n%s: %s\n\n", asker, question, answerer, g.paragraph())
		for p := g.r.IntN(3); p > 0; p-- {
			fmt.Fprintf(&b, "%s\n\n", g.paragraph())
		}
	}
	d.Text = b.String()
	return d
}
