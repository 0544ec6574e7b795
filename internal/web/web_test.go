package web

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/document"
	"github.com/verbatimbot/verbatim/internal/metrics"
)

// get serves one request through the fixture's handler.
func get(t testing.TB, h http.Handler, method, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

func TestDocumentPage(t *testing.T) {
	f := newFixture(t)
	seed, _ := f.corpus.Document(seedID)
	rec := get(t, f.server.Handler(), "GET", "/docs/"+seedID)
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{
		`<html lang="en">`,
		`<meta name="viewport" content="width=device-width, initial-scale=1">`,
		`<a class="skip" href="#main">`,
		`<main id="main"`,
		`<h1 dir="auto">China-Latin America Technological Cooperation: Soft Power and Sustainability</h1>`,
		`<a href="https://www.spcis.org/post/china-latin-america-technological-cooperation-soft-power-and-sustainability" rel="noreferrer">spcis.org</a>`,
		`<dt lang="en">Interviewer</dt><dd dir="auto">Joaquín Sáez</dd>`,
		`<dt lang="en">Interviewee</dt><dd dir="auto">Sascha Hannig</dd>`,
		"As part of its Latin American section",
		`Asked by <span dir="auto">Joaquín Sáez</span>`,
		`<p class="speaker" dir="auto">Sascha Hannig</p>`,
		"Companies like Huawei, ZTE, and Hikvision now compete directly",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script") {
		t.Error("page has a script")
	}
	// Every section has its anchor and heading, numbered as answer.Link numbers them.
	for n := 1; n <= len(seed.Sections); n++ {
		sec, _ := seed.Section(n)
		anchor := fmt.Sprintf(`<section class="qa" id="q%d">`, n)
		if !strings.Contains(body, anchor) {
			t.Errorf("no anchor for section %d", n)
		}
		// The heading holds the question alone: a screen reader reads it
		// as the question, with no "link to question" after it.
		heading := fmt.Sprintf(`<h2 dir="auto">%s</h2>`, htmlEscape(sec.Question))
		if !strings.Contains(body, heading) {
			t.Errorf("no heading for section %d: %q", n, heading)
		}
		if link := f.answerer.Link(seed, n); !strings.Contains(body, htmlEscape(link)) {
			t.Errorf("section %d lacks its source link %s", n, link)
		}
	}
	if n := strings.Count(body, `class="qa"`); n != len(seed.Sections) {
		t.Errorf("%d sections on the page, want %d", n, len(seed.Sections))
	}
	checkHeaders(t, rec)
	if cc := rec.Header().Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("Cache-Control = %q", cc)
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;").Replace(s)
}

// checkHeaders checks the headers every HTML page carries, and that the
// CSP's style hash is that of the page's style sheet.
func checkHeaders(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	h := rec.Header()
	if ct := h.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "form-action 'self'", "img-src 'self'", "base-uri 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe") || strings.Contains(csp, "script-src") {
		t.Errorf("CSP %q is not strict", csp)
	}
	m := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatal("no style element")
	}
	sum := sha256.Sum256([]byte(m[1]))
	if want := "style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, want) {
		t.Errorf("CSP %q does not allow the page's style (%s)", csp, want)
	}
	if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q", got)
	}
	if got := h.Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("Referrer-Policy = %q", got)
	}
}

func TestHostileDocumentEscaped(t *testing.T) {
	f := newFixture(t)
	for _, target := range []string{"/docs/" + hostileID, "/", "/?q=" + url.QueryEscape("How are zebras handled?")} {
		rec := get(t, f.server.Handler(), "GET", target)
		if rec.Code != 200 {
			t.Fatalf("%s: status %d", target, rec.Code)
		}
		body := rec.Body.String()
		for _, bad := range []string{"<script", "<img", "<iframe", "<b>", "<i>", "javascript:", `"onmouseover`} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: unescaped %q in\n%s", target, bad, body)
			}
		}
		if !strings.Contains(body, "&lt;script&gt;") {
			t.Errorf("%s: the hostile title is not shown escaped", target)
		}
	}
	body := get(t, f.server.Handler(), "GET", "/docs/"+hostileID).Body.String()
	if !strings.Contains(body, `<html lang="en">`) {
		t.Error("a malformed language tag was not replaced by en")
	}
	if !strings.Contains(body, `<h2 dir="auto">How are &lt;script&gt;zebras&lt;/script&gt; handled?`) {
		t.Error("the hostile question is not shown escaped")
	}
	if strings.Contains(body, `>Source</dt>`) {
		t.Error("a javascript: source is linked")
	}
}

func TestQuestionInQueryEscaped(t *testing.T) {
	f := newFixture(t)
	q := `"><script>alert(1)</script> zebras`
	rec := get(t, f.server.Handler(), "GET", "/?q="+url.QueryEscape(q))
	body := rec.Body.String()
	if strings.Contains(body, "<script") {
		t.Errorf("question rendered as markup:\n%s", body)
	}
	if !strings.Contains(body, `value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt; zebras"`) {
		t.Error("the question is not kept, escaped, in the box")
	}
	checkHeaders(t, rec)
}

func TestPrivateDocumentTokens(t *testing.T) {
	f := newFixture(t)
	h := f.server.Handler()
	priv, _ := f.corpus.Document(privateID)
	oth, _ := f.corpus.Document(otherID)
	link := f.links.DocumentURL(priv)
	if !strings.HasPrefix(link, baseURL+"/docs/"+privateID+"?k=") {
		t.Fatalf("DocumentURL = %q", link)
	}
	token := strings.TrimPrefix(link, baseURL+"/docs/"+privateID+"?k=")
	if len(token) != tokenChars {
		t.Errorf("token %q has %d characters", token, len(token))
	}
	otherToken := strings.SplitN(f.links.DocumentURL(oth), "?k=", 2)[1]
	// A token for the same id in another server must not open it either.
	sameIDOtherServer := &document.Document{ID: privateID, Server: other}
	crossToken := f.links.token(sameIDOtherServer)
	notFound := get(t, h, "GET", "/docs/no-such-document").Body.String()

	for _, tc := range []struct {
		name, target string
		want         int
	}{
		{"valid", "/docs/" + privateID + "?k=" + token, 200},
		{"missing", "/docs/" + privateID, 404},
		{"empty", "/docs/" + privateID + "?k=", 404},
		{"wrong", "/docs/" + privateID + "?k=" + strings.Repeat("A", tokenChars), 404},
		{"truncated", "/docs/" + privateID + "?k=" + token[:tokenChars-1], 404},
		{"another document's", "/docs/" + privateID + "?k=" + otherToken, 404},
		{"same id in another server", "/docs/" + privateID + "?k=" + crossToken, 404},
		{"shared needs none", "/docs/" + seedID, 200},
		{"shared ignores one", "/docs/" + seedID + "?k=junk", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(t, h, "GET", tc.target)
			if rec.Code != tc.want {
				t.Fatalf("status %d, want %d", rec.Code, tc.want)
			}
			if tc.want == 404 && rec.Body.String() != notFound {
				t.Error("a refused token's page differs from an unknown id's")
			}
		})
	}
	rec := get(t, h, "GET", "/docs/"+privateID+"?k="+token)
	if !strings.Contains(rec.Body.String(), "The guild grows quinoa on terraces.") {
		t.Error("private page lacks its answer")
	}
	if rec.Header().Get("Cache-Control") != "private, no-store" || rec.Header().Get("X-Robots-Tag") == "" {
		t.Errorf("private page headers: %v", rec.Header())
	}
	// Private documents never appear on the index, nor answer there.
	index := get(t, h, "GET", "/?q="+url.QueryEscape("What does the guild grow? quinoa terraces")).Body.String()
	if strings.Contains(index, "Guild notes") || strings.Contains(index, "quinoa on terraces") {
		t.Error("the index shows a server's document")
	}
}

func TestLinks(t *testing.T) {
	shared := &document.Document{ID: "a b"}
	owned := &document.Document{ID: "x", Server: "s"}
	l := NewLinks("https://v.example/", testKey)
	if got := l.DocumentURL(shared); got != "https://v.example/docs/a%20b" {
		t.Errorf("shared: %q", got)
	}
	u := l.DocumentURL(owned)
	if !regexp.MustCompile(`^https://v\.example/docs/x\?k=[A-Za-z0-9_-]{22}$`).MatchString(u) {
		t.Errorf("owned: %q", u)
	}
	if !l.Allowed(owned, strings.SplitN(u, "k=", 2)[1]) || l.Allowed(owned, "") {
		t.Error("Allowed disagrees with DocumentURL")
	}
	if NewLinks("https://v.example", []byte("another key")).Allowed(owned, strings.SplitN(u, "k=", 2)[1]) {
		t.Error("a token made with another key is accepted")
	}
	if got := NewLinks("", testKey).DocumentURL(shared); got != "" {
		t.Errorf("no base: %q", got)
	}
	if got := NewLinks("https://v.example", nil).DocumentURL(owned); got != "" {
		t.Errorf("no key: %q", got)
	}
	var none *Links
	if none.Allowed(owned, "anything") || !none.Allowed(shared, "") || none.DocumentURL(shared) != "" {
		t.Error("nil Links")
	}
	// The answerer links a section of a document without a source here.
	f := newFixture(t)
	priv, _ := f.corpus.Document(privateID)
	if got, want := f.answerer.Link(priv, 1), f.links.DocumentURL(priv)+"#q1"; got != want {
		t.Errorf("answer link %q, want %q", got, want)
	}
}

func TestLoadKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	k1, err := LoadKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(k1) != KeySize {
		t.Fatalf("key of %d bytes", len(k1))
	}
	fi, err := os.Stat(filepath.Join(dir, "link.key"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
	k2, err := LoadKey(dir)
	if err != nil || string(k1) != string(k2) {
		t.Errorf("second load: %v, same key %v", err, string(k1) == string(k2))
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	m1, _ := LoadKey("")
	m2, _ := LoadKey("")
	if len(m1) != KeySize || string(m1) == string(m2) {
		t.Error("in-memory keys are not fresh random keys")
	}
	if err := os.WriteFile(filepath.Join(dir, "link.key"), []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(dir); err == nil || !strings.Contains(err.Error(), "holds 5 bytes") {
		t.Errorf("short key: %v", err)
	}
}

// The ask box is open to anyone: when every answering slot stays taken,
// a question gets a "try again" page (503) instead of piling up.
func TestAskBoxBusy(t *testing.T) {
	f := newFixture(t)
	// A server of its own: the fixture's is shared, and this one is left
	// with its slots taken.
	s := New(Options{Answerer: f.answerer, Corpus: f.corpus, Links: f.links, Metrics: metrics.New(f.corpus.Len)})
	s.wait = 10 * time.Millisecond
	for range MaxAsking {
		s.slots <- struct{}{}
	}
	rec := get(t, s.Handler(), "GET", "/?q="+url.QueryEscape("Which companies compete with European providers?"))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "Many people are asking right now") ||
		strings.Contains(rec.Body.String(), "<blockquote") || rec.Header().Get("Retry-After") == "" {
		t.Errorf("busy: %d %s", rec.Code, rec.Body.String())
	}
	<-s.slots
	rec = get(t, s.Handler(), "GET", "/?q="+url.QueryEscape("Which companies compete with European providers?"))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Hikvision") {
		t.Errorf("a slot free: %d", rec.Code)
	}
}

func TestAskBox(t *testing.T) {
	f := newFixture(t)
	h := f.server.Handler()
	for _, tc := range []struct {
		name, target string
		status       int
		want, not    []string
	}{
		{
			name: "answered", target: "/?q=" + url.QueryEscape("Which companies compete with European providers?"), status: 200,
			want: []string{
				`<blockquote dir="auto">`, "Hikvision", `<cite dir="auto">China-Latin America Technological Cooperation: Soft Power and Sustainability</cite>`,
				`<p class="speaker" dir="auto">— Sascha Hannig</p>`,
				`<a href="https://www.spcis.org/post/china-latin-america-technological-cooperation-soft-power-and-sustainability#:~:text=`,
				"How do you assess the processes of technology transfer between China and Latin America?",
				`value="Which companies compete with European providers?"`,
			},
			not: []string{"The corpus does not answer that."},
		},
		{
			name: "declined", target: "/?q=" + url.QueryEscape("What is the boiling point of mercury?"), status: 200,
			want: []string{"The corpus does not answer that.", "Questions it does answer", `href="/?q=`},
			not:  []string{"<blockquote"},
		},
		{name: "empty", target: "/?q=+++", status: 200, want: []string{"Type a question in the box"}, not: []string{"<blockquote"}},
		{name: "too long", target: "/?q=" + strings.Repeat("why+", answer.MaxQuestionChars), status: 400, want: []string{"too long", `role="alert"`}},
		{name: "no question", target: "/", status: 200, want: []string{`<form method="get" action="/" role="search">`, `<label for="q">`, `name="q"`, `href="/docs/` + seedID + `"`}, not: []string{"Answers"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(t, h, "GET", tc.target)
			if rec.Code != tc.status {
				t.Errorf("status %d, want %d", rec.Code, tc.status)
			}
			body := rec.Body.String()
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(body, w) {
					t.Errorf("page has %q", w)
				}
			}
			checkHeaders(t, rec)
		})
	}
}

func TestProbesAndMetrics(t *testing.T) {
	f := newFixture(t)
	rec := get(t, f.server.Handler(), "GET", "/healthz")
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != "ok" {
		t.Errorf("healthz: %d %q", rec.Code, rec.Body)
	}
	var readyErr error
	s := New(Options{Answerer: f.answerer, Corpus: f.corpus, Ready: func() error { return readyErr }})
	if rec := get(t, s.Handler(), "GET", "/readyz"); rec.Code != 200 {
		t.Errorf("readyz: %d", rec.Code)
	}
	readyErr = errors.New("index still loading")
	rec = get(t, s.Handler(), "GET", "/readyz")
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), "index still loading") {
		t.Errorf("readyz not ready: %d %q", rec.Code, rec.Body)
	}
	if rec := get(t, s.Handler(), "GET", "/metrics"); rec.Code != 404 {
		t.Errorf("metrics without a registry: %d", rec.Code)
	}

	get(t, f.server.Handler(), "GET", "/?q=Hikvision")
	rec = get(t, f.server.Handler(), "GET", "/metrics")
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("metrics Content-Type %q", ct)
	}
	body := rec.Body.String()
	for _, want := range []string{"verbatim_documents 5\n", `verbatim_errors_total{kind="answer"} 0`, "# TYPE verbatim_answer_seconds histogram"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
	if regexp.MustCompile(`(?m)^verbatim_questions_total 0$`).MatchString(body) {
		t.Error("the web question was not counted")
	}
}

func TestRoutes(t *testing.T) {
	f := newFixture(t)
	h := f.server.Handler()
	for _, tc := range []struct {
		method, target string
		want           int
	}{
		{"GET", "/nowhere", 404},
		{"GET", "/docs/", 404},
		{"GET", "/docs/a/b", 404},
		{"GET", "/docs/a%2Fb", 404},
		{"POST", "/", 405},
		{"PUT", "/docs/" + seedID, 405},
		{"DELETE", "/healthz", 405},
		{"HEAD", "/docs/" + seedID, 200},
		{"HEAD", "/", 200},
		{"POST", "/interactions", 404},
		{"GET", "/favicon.svg", 200},
	} {
		rec := get(t, h, tc.method, tc.target)
		if rec.Code != tc.want {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.target, rec.Code, tc.want)
		}
		if tc.want == 405 && rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("%s %s: Allow %q", tc.method, tc.target, rec.Header().Get("Allow"))
		}
		if tc.want == 404 {
			checkHeaders(t, rec)
			if !strings.Contains(rec.Body.String(), "Page not found") {
				t.Errorf("%s %s: not our 404 page", tc.method, tc.target)
			}
		}
		if tc.method == "HEAD" && rec.Body.Len() > 0 {
			t.Errorf("HEAD %s has a body", tc.target)
		}
	}
}

func TestInteractionsMounted(t *testing.T) {
	f := newFixture(t)
	var got string
	s := New(Options{Answerer: f.answerer, Corpus: f.corpus, Interactions: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = string(b)
		w.WriteHeader(http.StatusAccepted)
	})})
	body := strings.Repeat("x", 64<<10) // beyond the pages' cap: the handler limits its own
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/interactions", strings.NewReader(body)))
	if rec.Code != http.StatusAccepted || got != body {
		t.Errorf("interactions: %d, body of %d bytes", rec.Code, len(got))
	}
	if rec := get(t, s.Handler(), "GET", "/interactions"); rec.Code != 405 || rec.Header().Get("Allow") != "POST" {
		t.Errorf("GET /interactions: %d", rec.Code)
	}
}

func TestPanicIsA500(t *testing.T) {
	f := newFixture(t)
	s := New(Options{Answerer: f.answerer, Corpus: f.corpus, Metrics: f.metrics, Interactions: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })})
	before := countOf(t, f, `verbatim_errors_total{kind="panic"}`)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/interactions", nil))
	if rec.Code != 500 {
		t.Errorf("status %d", rec.Code)
	}
	if after := countOf(t, f, `verbatim_errors_total{kind="panic"}`); after != before+1 {
		t.Errorf("panics counted %d → %d", before, after)
	}
}

func countOf(t *testing.T, f *fixture, series string) int {
	var b strings.Builder
	_, _ = f.metrics.WriteTo(&b)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\d+)$`).FindStringSubmatch(b.String())
	if m == nil {
		t.Fatalf("no %s", series)
	}
	var n int
	fmt.Sscan(m[1], &n)
	return n
}

func TestServeShutsDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeListener(ctx, ln, newFixture(t).server.Handler(), slog.New(slog.DiscardHandler)) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after shutdown: %v", err)
		}
	case <-time.After(ShutdownTimeout + 5*time.Second):
		t.Fatal("Serve did not return")
	}
	if err := Serve(context.Background(), "256.0.0.1:bad", nil, nil); err == nil {
		t.Error("Serve on a bad address succeeded")
	}
}

// The interface is English and each document's text is marked with its own
// language, so a screen reader reads both with the right voice; a quote
// keeps the line breaks of its answer; the box takes right-to-left text.
func TestLanguagesAndLines(t *testing.T) {
	f := newFixture(t)
	body := get(t, f.server.Handler(), "GET", "/docs/"+spanishID).Body.String()
	for _, want := range []string{`<html lang="en">`, `<article lang="es">`, `<dt lang="en">Interviewee</dt>`,
		"Hay tres reglas:\n- mantener la lámpara encendida\n- anotar cada barco"} {
		if !strings.Contains(body, want) {
			t.Errorf("document page lacks %q", want)
		}
	}
	if !strings.Contains(styleCSS, "white-space:pre-line") {
		t.Error("the style does not keep an answer's line breaks")
	}
	rec := get(t, f.server.Handler(), "GET", "/?q="+url.QueryEscape("reglas del faro"))
	body = rec.Body.String()
	for _, want := range []string{`<html lang="en">`, `<article class="hit" lang="es">`, `<input type="search" id="q" name="q" value="reglas del faro"`, `dir="auto" required>`,
		`<meta name="robots" content="noindex, nofollow">`} {
		if !strings.Contains(body, want) {
			t.Errorf("answers lack %q", want)
		}
	}
	if rec.Header().Get("X-Robots-Tag") != "noindex" {
		t.Error("a page that repeats its link's question may be indexed")
	}
	if body := get(t, f.server.Handler(), "GET", "/").Body.String(); strings.Contains(body, "noindex") {
		t.Error("the home page is not indexed")
	}
}

// As /ask has "More results", the ask box has "More answers": the answers
// after the first three, none of them shown twice.
func TestAskBoxMoreAnswers(t *testing.T) {
	f := newFixture(t)
	first := get(t, f.server.Handler(), "GET", "/?q="+url.QueryEscape("soft power")).Body.String()
	more := `<a href="/?q=soft&#43;power&amp;more=1">More answers</a>`
	if !strings.Contains(first, more) {
		t.Fatalf("no More answers link:\n%s", first)
	}
	second := get(t, f.server.Handler(), "GET", "/?q=soft+power&more=1").Body.String()
	if strings.Count(first, `<article class="hit"`) != 3 || strings.Count(second, `<article class="hit"`) == 0 || strings.Contains(second, "More answers") {
		t.Errorf("%d answers, then %d", strings.Count(first, `<article class="hit"`), strings.Count(second, `<article class="hit"`))
	}
	heading := func(body string) []string {
		var hs []string
		for _, part := range strings.Split(body, "<h3 dir=\"auto\">")[1:] {
			hs = append(hs, part[:strings.Index(part, "</h3>")])
		}
		return hs
	}
	for _, h := range heading(second) {
		if slices.Contains(heading(first), h) {
			t.Errorf("shown again: %s", h)
		}
	}
}

// Served through ServeListener, waiting in line (internal/turns) on
// connections that read with the kernel's receive times changes nothing
// on the wire: responses keep the length net/http gives them, whether the
// handler set it or not, for GET and HEAD alike, errors included.
func TestResponsesKeepTheirLength(t *testing.T) {
	base := startServer(t, newFixture(t))
	for _, c := range []struct{ method, path string }{
		{"GET", "/healthz"}, {"HEAD", "/healthz"}, {"GET", "/favicon.svg"}, {"HEAD", "/favicon.svg"},
		{"GET", "/nowhere"}, {"POST", "/healthz"}, {"GET", "/"},
	} {
		req, err := http.NewRequest(c.method, base+c.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("Content-Length") == "" || len(resp.TransferEncoding) > 0 {
			t.Errorf("%s %s: %d with Content-Length %q, Transfer-Encoding %v", c.method, c.path, resp.StatusCode,
				resp.Header.Get("Content-Length"), resp.TransferEncoding)
		}
	}
}
