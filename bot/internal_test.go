package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/corpus"
	"github.com/verbatimbot/verbatim/internal/document"
	"github.com/verbatimbot/verbatim/internal/quote"
)

func TestLimiterBoundedMemory(t *testing.T) {
	l := newLimiter(2, time.Second, 100)
	now := time.Unix(0, 0)
	if !l.allow("a", now) || !l.allow("a", now) || l.allow("a", now) {
		t.Fatal("burst of 2 not enforced")
	}
	if !l.allow("a", now.Add(time.Second)) {
		t.Error("no refill after a second")
	}
	for k := range 1000 {
		l.allow(strings.Repeat("u", k%50)+string(rune('A'+k%26))+time.Duration(k).String(), now)
	}
	if n := l.size(); n > 100 {
		t.Errorf("limiter holds %d users, cap 100", n)
	}
}

func TestEncodeMore(t *testing.T) {
	refs := []document.Ref{{Document: "doc-a", Section: 2}, {Document: "doc-b", Section: 7}, {Document: "doc-a", Section: 5}}
	id := encodeMore(refs, []string{"neuquen", "station", "bad|term", "two words", "space"})
	if id != "m:doc-a:2,5;doc-b:7|neuquen station space" {
		t.Errorf("encode: %q", id)
	}
	got, terms := decodeMore(strings.TrimPrefix(id, "m:"))
	if len(got) != 3 || got[2] != (document.Ref{Document: "doc-b", Section: 7}) || strings.Join(terms, " ") != "neuquen station space" {
		t.Errorf("decode: %+v %q", got, terms)
	}
	// Buttons made before terms were kept still decode.
	if got, terms := decodeMore("doc-a:2,5;doc-b:7"); len(got) != 3 || len(terms) != 0 {
		t.Errorf("decode without terms: %+v %q", got, terms)
	}
	long := strings.Repeat("x", 60)
	id = encodeMore([]document.Ref{{Document: long, Section: 1}, {Document: long + "y", Section: 2}}, []string{strings.Repeat("w", 40), "short"})
	if len(id) > maxCustomID || id != "m:"+long+":1|short" {
		t.Errorf("long ids: %q", id)
	}
	if encodeMore([]document.Ref{{Document: strings.Repeat("z", 120), Section: 1}}, []string{"a"}) != "" {
		t.Error("an id that cannot fit must give no button")
	}
}

func TestRenderHitsFits(t *testing.T) {
	long := strings.Repeat("This sentence is part of a very long answer about soft power. ", 200)
	hits := []answer.Hit{
		{Title: strings.Repeat("T", 500), Asked: strings.Repeat("Why [this]? ", 80), Link: "https://x.test/a(b)#:~:text=Why", Speaker: "S", Quote: "… " + long + " …"},
		{Title: "Doc", Asked: "Q?", Speaker: "S", Quote: long},
		{Title: "Doc", Asked: "", Speaker: "S", Quote: "Short.\n\nTwo paragraphs."},
	}
	rd := renderHits(hits, "", maxContent, nil)
	out := rd.text
	if rd.shown != 3 || chars(out) > maxContent {
		t.Errorf("%d hits shown of 3", rd.shown)
	}
	if chars(out) > maxContent {
		t.Fatalf("%d chars", chars(out))
	}
	if !strings.Contains(out, "> … This sentence") || !strings.Contains(out, "soft power. …") || !strings.Contains(out, "> Short.\n>\n> Two paragraphs.") {
		t.Errorf("render:\n%s", out)
	}
	if strings.Contains(out, "a(b)") {
		t.Error("parenthesis left in a link URL")
	}
	// The quote is cut at a sentence end, never inside one.
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "> … This") && !strings.HasSuffix(line, "power. …") {
			t.Errorf("cut mid-sentence: %q", line[len(line)-30:])
		}
	}
}

func TestReadBody(t *testing.T) {
	body := strings.Repeat("x", 3000)
	for _, cl := range []int64{-1, 0, 10, 3000, 5000, 1 << 30} { // unknown, wrong, right, claimed huge
		got, err := readBody(iotest.OneByteReader(strings.NewReader(body)), "1700000000", cl)
		if err != nil || string(got) != "1700000000"+body {
			t.Errorf("Content-Length %d: got %d bytes, %v", cl, len(got), err)
		}
		if cap(got) > 2*maxBodyHint {
			t.Errorf("Content-Length %d: allocated %d bytes for a 3 KB body", cl, cap(got))
		}
	}
	if _, err := readBody(iotest.ErrReader(errors.New("boom")), "", -1); err == nil {
		t.Error("read error not returned")
	}
}

// failingTransport fails every request at the network level, as a dead
// connection to Discord would.
type failingTransport struct{}

func (failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("connection reset by peer")
}

// A failed call to Discord quotes its URL, which holds the interaction's
// token; the errors the replier returns, and the bot logs, must not.
func TestReplierErrorsHideToken(t *testing.T) {
	s, err := discordgo.New("Bot test")
	if err != nil {
		t.Fatal(err)
	}
	s.Client = &http.Client{Transport: failingTransport{}}
	s.MaxRestRetries = 0
	const token = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDpzZWNyZXQtdG9rZW4"
	i := &discordgo.Interaction{ID: "1100000000000000900", AppID: "1100000000000000001", Token: token}
	r := sessionReplier{s}
	content := "x"
	for name, err := range map[string]error{
		"respond":  r.Respond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource}),
		"edit":     r.Edit(i, &discordgo.WebhookEdit{Content: &content}),
		"delete":   r.DeleteOriginal(i),
		"followup": r.Followup(i, &discordgo.WebhookParams{Content: "x"}),
	} {
		if err == nil {
			t.Fatalf("%s: no error from a failing transport", name)
		}
		if strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), "[redacted]") {
			t.Errorf("%s: %v", name, err)
		}
		var ue *url.Error
		if !errors.As(err, &ue) {
			t.Errorf("%s: the original error is lost: %T", name, err)
		}
	}
}

// Corpus text shows as written: every markdown character escaped, and
// lines that would start a list or a heading kept as text.
func TestPlainEscapesMarkdown(t *testing.T) {
	for in, want := range map[string]string{
		"It was *the* turning point":     `It was \*the\* turning point`,
		"snake_case and `code` ~~gone~~": "snake\\_case and \\`code\\` \\~\\~gone\\~\\~",
		"||spoiler|| [text](http://x)":   `\|\|spoiler\|\| \[text\](<http://x>)`,
		"<@123> <t:1:R> > quoted":        `\<@123\> \<t:1:R\> \> quoted`,
		"# Heading\n- item\n12. item":    "\\# Heading\n\\- item\n12\\. item",
		`back\slash`:                     `back\\slash`,
		"plain words, 3.5 percent":       "plain words, 3.5 percent",
	} {
		if got := plain(in); got != want {
			t.Errorf("plain(%q) = %q, want %q", in, got, want)
		}
	}
	h := answer.Hit{Asked: "Is 2*3 > 5?", Speaker: "A_B", Title: "T", Quote: "It was *the* turning point."}
	got := renderHits([]answer.Hit{h}, "", maxContent, nil).text
	if !strings.Contains(got, `> It was \*the\* turning point.`) || !strings.Contains(got, `**Is 2\*3 \> 5?**`) || !strings.Contains(got, `A\_B`) {
		t.Errorf("rendered:\n%s", got)
	}
	// A question is shown as its page shows it: Markdown's emphasis is not
	// part of its text (quotes, above, keep theirs).
	h.Asked = "Why *now*?"
	if got := renderHits([]answer.Hit{h}, "", maxContent, nil).text; !strings.Contains(got, "**Why now?**") {
		t.Errorf("rendered:\n%s", got)
	}
}

// FuzzDecodeMore feeds decodeMore what any Discord user can send as a
// button's custom_id: it must not panic, must give sections that exist as
// numbers (0 and up) of named documents, and what encodeMore makes of its
// result must fit a custom_id.
func FuzzDecodeMore(f *testing.F) {
	for _, s := range []string{"doc-a:2,5;doc-b:7|neuquen station", ";;:,||  |", "x:-1,99999999999999999999", "a:1|b|c", ":1;d:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, payload string) {
		refs, terms := decodeMore(payload)
		if len(refs) > len(payload) {
			t.Fatalf("%d refs from %d bytes", len(refs), len(payload))
		}
		for _, r := range refs {
			if r.Document == "" || r.Section < 0 {
				t.Fatalf("ref %+v from %q", r, payload)
			}
		}
		if id := encodeMore(refs, terms); len(id) > maxCustomID {
			t.Fatalf("custom_id of %d bytes", len(id))
		}
	})
}

// Addresses in corpus text are left as written, in <…>: Discord would link
// them with the escapes' backslashes in them.
func TestPlainKeepsURLs(t *testing.T) {
	for in, want := range map[string]string{
		"see https://example.org/report_2023#findings.":   "see <https://example.org/report_2023#findings>.",
		"(https://x.test/a_b) and *this*":                 `(<https://x.test/a_b>) and \*this\*`,
		"https://en.wikipedia.org/wiki/Soft_(power), yes": "<https://en.wikipedia.org/wiki/Soft_(power)>, yes",
		"two: http://a.test/x_y _http://b.test/x_":        `two: <http://a.test/x_y> \_<http://b.test/x>\_`,
		"only a scheme https:// here_":                    `only a scheme https:// here\_`,
	} {
		if got := plain(in); got != want {
			t.Errorf("plain(%q) = %q, want %q", in, got, want)
		}
	}
}

// A question that needs no escaping is the link's text; one that does is
// shown as escaped text with a short link after it, since Discord shows
// escapes inside a link's text as they are. Links are in <…> (no preview).
func TestLinkTo(t *testing.T) {
	if got := linkTo("What is soft power?", "https://x.test/a(b)", true); got != "**[What is soft power?](<https://x.test/a%28b%29>)**" {
		t.Errorf("plain question: %q", got)
	}
	if got := linkTo("What is *buen vivir* [really]?", "https://x.test/", true); got != `**What is \*buen vivir\* \[really\]?** [↗](<https://x.test/>)` {
		t.Errorf("question with markdown: %q", got)
	}
	if got := linkTo("1. Who\nasked?", "https://x.test/", false); got != `1\. Who asked? [↗](<https://x.test/>)` {
		t.Errorf("numbered question on two lines: %q", got)
	}
}

// Room is shared out: a short quote is shown whole, and the long ones share
// what it leaves; a quote cut to fit is quoted again by the requoter, whose
// choice of sentences is kept.
func TestRenderHitsShares(t *testing.T) {
	long := strings.Repeat("A sentence about the energy transition and its costs. ", 40)
	hits := []answer.Hit{
		{Title: "D", Asked: "Q1?", Quote: long, Document: "d", Section: 1},
		{Title: "D", Asked: "Q2?", Quote: "Short and whole.", Whole: true, Document: "d", Section: 2},
		{Title: "D", Asked: "Q3?", Quote: long, Document: "d", Section: 3},
	}
	var asked []int
	fit := func(h answer.Hit, n int) string {
		asked = append(asked, h.Section)
		return cutQuote("Chosen for the question. "+h.Quote, n)
	}
	rd := renderHits(hits, "", maxContent, fit)
	if rd.shown != 3 || !strings.Contains(rd.text, "> Short and whole.") {
		t.Fatalf("shown %d:\n%s", rd.shown, rd.text)
	}
	if c := chars(rd.text); c > maxContent || c < maxContent*9/10 {
		t.Errorf("%d characters of %d used", c, maxContent)
	}
	if strings.Count(rd.text, "> Chosen for the question.") != 2 || slices.Contains(asked, 2) {
		t.Errorf("requoted sections %v:\n%s", asked, rd.text)
	}
	if !rd.cut[0] || rd.cut[1] || !rd.cut[2] {
		t.Errorf("cut = %v, want the two long ones", rd.cut)
	}
}

// A long question link is left out of its heading before a hit is dropped;
// one that fills a message still leaves the quote.
func TestRenderHitsLongLinks(t *testing.T) {
	q := strings.Repeat("Many words of an answer. ", 30)
	for _, n := range []int{700, 1900} {
		link := "https://x.test/" + strings.Repeat("p", n)
		hits := []answer.Hit{
			{Title: "D", Asked: "First?", Link: link, Quote: q},
			{Title: "D", Asked: "Second?", Link: link, Quote: q},
			{Title: "D", Asked: "Third?", Link: "https://x.test/short", Quote: q},
		}
		rd := renderHits(hits, "", maxContent, nil)
		if rd.shown != 3 || chars(rd.text) > maxContent || !strings.Contains(rd.text, "(<https://x.test/short>)") {
			t.Errorf("links of %d: %d hits shown, %d chars:\n%s", n, rd.shown, chars(rd.text), rd.text)
		}
	}
}

// cutQuote stays within its bound when it keeps an ellipsis at each end.
func TestCutQuoteBothEllipses(t *testing.T) {
	q := "… " + strings.Repeat("Word after word in one sentence. ", 10) + "…"
	for n := 20; n < chars(q); n += 7 {
		if got := cutQuote(q, n); chars(got) > n {
			t.Fatalf("cutQuote(%d) gave %d: %q", n, chars(got), got)
		}
	}
}

// A whole answer longer than a message comes in parts, each within the
// limit, which together hold every word of it in order.
func TestAnswerParts(t *testing.T) {
	var sb strings.Builder
	for k := range 90 {
		fmt.Fprintf(&sb, "Sentence %d says something about *soft power* in the region. ", k)
		if k%10 == 9 {
			sb.WriteString("\n\n")
		}
	}
	text := strings.TrimSpace(sb.String())
	parts := answerParts(answer.Hit{Title: "D", Asked: "Q?", Link: "https://x.test/", Quote: text}, maxContent)
	if len(parts) < 3 {
		t.Fatalf("%d parts for %d characters", len(parts), chars(text))
	}
	var words []string
	for k, p := range parts {
		if chars(p) > maxContent || !strings.Contains(p, fmt.Sprintf("part %d of %d", k+1, len(parts))) {
			t.Errorf("part %d: %d chars:\n%s", k+1, chars(p), p)
		}
		_, body, _ := strings.Cut(p, "\n> ")
		body = strings.NewReplacer("\n>", " ", "\\", "", quote.Ellipsis, " ").Replace(body)
		words = append(words, strings.Fields(body)...)
	}
	if got, want := strings.Join(words, " "), strings.Join(strings.Fields(text), " "); got != want {
		t.Errorf("the parts do not hold the answer:\n%.300s\nwant\n%.300s", got, want)
	}
}

// Suggestions are corpus text, escaped like the rest, numbered, each with
// a button that opens its answer.
func TestDeclinedSuggestions(t *testing.T) {
	m := declined([]answer.Suggestion{
		{Document: "d", Section: 2, Question: "See [click here](https://evil.example) <@123> *now*"},
		{Document: "d", Section: 5, Question: "Plain?"},
	}, true)
	if strings.Contains(m.content, "[click here](") || strings.Contains(m.content, "<@123>") || !strings.Contains(m.content, `**1.** See click here \<@123\> now`) {
		t.Errorf("content: %s", m.content)
	}
	if !m.ephemeral || len(m.components) != 1 {
		t.Fatalf("message: %+v", m)
	}
	row := m.components[0].(discordgo.ActionsRow)
	if len(row.Components) != 2 || row.Components[1].(discordgo.Button).CustomID != "w:d:5" || row.Components[1].(discordgo.Button).Label != "Answer 2" {
		t.Errorf("buttons: %+v", row.Components)
	}
}

// A long list comes in pages, each within a message, that hold every line
// once and in order; a line longer than a page is clipped, and those after
// it are still listed.
func TestPaged(t *testing.T) {
	var lines []string
	for k := range 60 {
		lines = append(lines, fmt.Sprintf("• line %02d %s", k, strings.Repeat("x", 70)))
	}
	lines[10] = "• " + strings.Repeat("long ", 700)
	var got []string
	pages := 0
	for p := 0; ; p++ {
		m := paged("**Head**", lines, p, "s:")
		if chars(m.content) > maxContent {
			t.Fatalf("page %d: %d chars", p, chars(m.content))
		}
		if len(m.components) != 1 {
			t.Fatalf("page %d: no buttons", p)
		}
		row := m.components[0].(discordgo.ActionsRow)
		prev, next := row.Components[0].(discordgo.Button), row.Components[1].(discordgo.Button)
		if prev.CustomID != fmt.Sprintf("s:%d", p-1) || next.CustomID != fmt.Sprintf("s:%d", p+1) || prev.Disabled != (p == 0) {
			t.Errorf("page %d buttons: %+v %+v", p, prev, next)
		}
		_, body, _ := strings.Cut(m.content, "\n")
		got = append(got, strings.Split(body, "\n")...)
		pages++
		if next.Disabled {
			break
		}
		if p > 20 {
			t.Fatal("no last page")
		}
	}
	if pages < 3 || len(got) != len(lines) || got[11] != lines[11] || got[59] != lines[59] || !strings.HasSuffix(got[10], quote.Ellipsis) {
		t.Errorf("%d pages, %d lines of %d", pages, len(got), len(lines))
	}
	if m := paged("**Head**", lines, 99, "s:"); !strings.Contains(m.content, fmt.Sprintf("(page %d of %d)", pages, pages)) {
		t.Errorf("a page past the end is not the last: %.80s", m.content)
	}
	if m := paged("**Head**", lines[:3], 0, "s:"); m.components != nil || strings.Contains(m.content, "page") {
		t.Errorf("one page with buttons: %+v", m)
	}
}

// A sentence longer than a message (a run-on answer; Chinese with no
// spaces) comes in pieces over several parts, and nothing of it is lost.
func TestAnswerPartsLongSentence(t *testing.T) {
	runOn := strings.Repeat("and then the harbour grew and the ships came in ", 120) + "until the end."
	cjk := strings.Repeat("我们的港口一直在发展船只不断地进来", 150) + "。"
	for name, text := range map[string]string{"run-on": runOn, "no spaces": cjk} {
		parts := answerParts(answer.Hit{Title: "D", Asked: "Q?", Quote: text}, maxContent)
		if len(parts) < 2 {
			t.Fatalf("%s: %d parts for %d characters", name, len(parts), chars(text))
		}
		var got strings.Builder
		for k, p := range parts {
			if chars(p) > maxContent {
				t.Errorf("%s part %d: %d chars", name, k+1, chars(p))
			}
			_, body, _ := strings.Cut(p, "\n> ")
			got.WriteString(strings.NewReplacer("\n>", "", quote.Ellipsis, "", " ", "").Replace(body))
		}
		if want := strings.ReplaceAll(text, " ", ""); got.String() != want {
			t.Errorf("%s: the parts do not hold the whole answer (%d of %d characters)", name, chars(got.String()), chars(want))
		}
	}
}

// FuzzRender feeds corpus text of any shape to the message renderers: they
// must not panic, must keep every message within Discord's 2,000
// characters, and must show at least one hit when they say they do.
func FuzzRender(f *testing.F) {
	for _, s := range []string{"Why?", "A. B. C.", strings.Repeat("long ", 500), "我们开始吧。为什么？", "*_`|~<>[]#\\", "\n\n\n", "https://x.test/a_b c"} {
		f.Add(s, s, "https://example.org/p", uint8(3))
	}
	f.Fuzz(func(t *testing.T, asked, text, link string, n uint8) {
		hits := make([]answer.Hit, 1+int(n)%3)
		for k := range hits {
			hits[k] = answer.Hit{Document: "d", Section: k + 1, Title: asked, Asked: asked, Speaker: asked, Link: link, Quote: text}
		}
		other := func(h answer.Hit, room int) string { return cutQuote(asked+" "+h.Quote, room) }
		for _, fit := range []requoter{nil, other} {
			rd := renderHits(hits, "", maxContent, fit)
			if chars(rd.text) > maxContent || rd.shown > len(hits) || len(rd.cut) != rd.shown {
				t.Fatalf("rendering of %d chars, %d shown of %d", chars(rd.text), rd.shown, len(hits))
			}
			for _, b := range wholeButtons(hits[:rd.shown], rd.cut) {
				if btn := b.(discordgo.Button); len(btn.CustomID) > maxCustomID || chars(btn.Label) > 80 {
					t.Fatalf("button %+v", btn)
				}
			}
		}
		if strings.TrimSpace(text) != "" {
			for _, p := range answerParts(hits[0], maxContent) {
				if chars(p) > maxContent {
					t.Fatalf("part of %d chars", chars(p))
				}
			}
		}
		if m := paged(asked, strings.Split(text, "\n"), int(n), "s:"); chars(m.content) > maxContent {
			t.Fatalf("page of %d chars", chars(m.content))
		}
		if m := declined([]answer.Suggestion{{Document: "d", Section: 1, Question: text}, {Document: asked, Section: 2, Question: asked}}, false); chars(m.content) > maxContent {
			t.Fatalf("decline of %d chars", chars(m.content))
		}
	})
}

// A question two people answer is listed once per answer, each with its
// answerer, so that the two lines are told apart; other questions, and a
// question asked twice of the same person, are listed as they are.
func TestQuestionsPageNamesTwoAnswerers(t *testing.T) {
	d := &document.Document{ID: "panel", Meta: document.Metadata{Title: "Panel"}, Sections: []document.Section{
		{Question: "Who are you?", Asker: "Q", Answerer: "Ana"},
		{Question: "What about the *port*?", Asker: "Q", Answerer: "Ana"},
		{Question: "What about the *port*?", Asker: "Q", Answerer: "Ben_Li"},
		{Question: "And then?", Asker: "Q", Answerer: "Ana"},
		{Question: "And then?", Asker: "Q", Answerer: "Ana"}, // asked again, of the same person
	}}
	got := questionsPage(d, 0).content
	for _, want := range []string{"\n1. Who are you?\n", "\n2. What about the port? — Ana\n", "\n3. What about the port? — Ben\\_Li\n", "\n4. And then?\n", "\n5. And then?"} {
		if !strings.Contains(got, want) {
			t.Errorf("the list lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "you? —") || strings.Contains(got, "then? —") {
		t.Errorf("an answerer named for a question asked once:\n%s", got)
	}
}

// Autocomplete offers a question as the replies head its quotes, Markdown
// read, and sends it as written (which /ask takes for the corpus's own).
func TestQuestionChoicesShown(t *testing.T) {
	q := "What is the *best* part of [the port](https://port.example/)?"
	b := &Bot{corpus: corpus.New(&document.Document{ID: "port", Meta: document.Metadata{Title: "Port"},
		Sections: []document.Section{{Question: q, Asker: "Q", Answerer: "Ana", Paragraphs: []string{"The cranes."}}}})}
	got := b.questionChoices(context.Background(), "", "")
	if len(got) != 1 || got[0].Name != "What is the best part of the port?" || got[0].Value != q {
		t.Errorf("choices %+v; want one named as shown, valued as written", got)
	}
}
