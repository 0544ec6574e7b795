package bleveindex

import (
	"strings"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/es" // registers the Spanish stemmer
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/stop"
	"github.com/blevesearch/bleve/v2/registry"

	"github.com/verbatimbot/verbatim/internal/fold"
)

// language is one language the index analyses: its own stemmed fields, so
// that each field's terms come from one analysis and a question's English
// and Spanish forms each meet the documents of their language only.
type language struct {
	code     string          // as in document.Metadata.Language
	body     string          // field of title, question and answer, stemmed
	question string          // field of the question alone, stemmed
	analyzer string          // analyser of both fields
	filters  []string        // its token filters, after the unicode tokenizer
	stop     map[string]bool // its stop words, folded: tokens its fields drop
}

const (
	stopESName    = "verbatim_stop_es"
	accentsESName = "verbatim_accents_es"
)

// accentsES puts back, in folded Spanish words, the accents that Spanish
// spelling makes certain and the snowball stemmer needs: every word ending
// in -cion or -sion is written -ción, -sión, and every -logia -logía. So
// "informacion" and "información" stem alike, as "informaciones",
// "tecnologia" and "tecnológica" do.
type accentsES struct{}

func (accentsES) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, tok := range in {
		t := string(tok.Term)
		switch {
		case len(t) > 5 && (strings.HasSuffix(t, "cion") || strings.HasSuffix(t, "sion")):
			tok.Term = []byte(t[:len(t)-2] + "ón")
		case len(t) > 6 && strings.HasSuffix(t, "logia"):
			tok.Term = []byte(t[:len(t)-2] + "ía")
		case len(t) > 7 && strings.HasSuffix(t, "logias"):
			tok.Term = []byte(t[:len(t)-3] + "ías")
		}
	}
	return in
}

// languages are the languages analysed, English first: a document in any
// other language, or in none stated, is analysed as English.
var languages = []*language{
	{
		code: "en", body: fieldBody, question: fieldQuestion, analyzer: analyzerStem,
		filters: []string{en.PossessiveName, lowercase.Name, foldName, en.StopName, stemENName},
		stop:    stopSet(en.EnglishStopWords),
	},
	{
		// Accents are folded before the stop words and the stemmer, so a
		// question typed without them ("informacion", "tecnologia") gets
		// the same terms as the text that has them. The snowball stemmer
		// needs the accents of its suffixes, so the ones Spanish spelling
		// makes certain are put back first (see accentsES); for the
		// others (-ía) it stems less.
		code: "es", body: "body_es", question: "question_es", analyzer: "verbatim_es",
		filters: []string{lowercase.Name, foldName, stopESName, accentsESName, stemESName, foldName},
		stop:    stopSet(es.SpanishStopWords),
	},
}

// languageOf returns the language a document or text stated to be in lang
// is analysed in: Spanish for "es" and its regional variants, else English.
func languageOf(lang string) *language {
	lang = strings.ToLower(strings.TrimSpace(lang))
	for _, l := range languages[1:] {
		if lang == l.code || strings.HasPrefix(lang, l.code+"-") || strings.HasPrefix(lang, l.code+"_") {
			return l
		}
	}
	return languages[0]
}

// stopSet reads a bleve stop word list, folding each word.
func stopSet(list []byte) map[string]bool {
	tm := analysis.NewTokenMap()
	if err := tm.LoadBytes(list); err != nil {
		panic(err)
	}
	out := make(map[string]bool, len(tm))
	for w := range tm {
		out[fold.String(w)] = true
	}
	return out
}

func init() {
	// bleve's stop_es holds accented words; this one holds them folded, as
	// the tokens are by the time they reach it.
	registry.RegisterTokenFilter(stopESName, func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
		tm := analysis.NewTokenMap()
		for w := range languageOf("es").stop {
			tm.AddToken(w)
		}
		return stop.NewStopTokensFilter(tm), nil
	})
	registry.RegisterTokenFilter(accentsESName, func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
		return accentsES{}, nil
	})
}
