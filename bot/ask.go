package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/bwmarrin/discordgo"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/document"
	"github.com/verbatimbot/verbatim/internal/mdtext"
	"github.com/verbatimbot/verbatim/internal/quote"
)

const (
	shownHits = 3 // hits in an answer
	moreHits  = 3 // hits behind "More results"
	askTime   = 10 * time.Second
)

// User-facing texts.
const (
	textInternal  = "Sorry, something went wrong on my side (internal error)."
	textRateLimit = "You are asking quickly — please wait a few seconds and try again."
	textBusy      = "I am busy answering other questions — please try again in a moment."
	textBusyFiles = "I am busy reading other files — please send this one again in a moment."
	textNoAnswer  = "The corpus does not answer that."
)

// askResult is a computed answer.
type askResult struct {
	ans answer.Answer
	err error
}

// workerWait is how long a question waits for a free answer worker before
// the user is told the bot is busy: answers take about a millisecond, so a
// burst larger than MaxInFlight is queued briefly instead of refused, well
// inside Discord's deadline.
const workerWait = 500 * time.Millisecond

// uploadWait is how long an upload waits for one of the maxUploads slots.
const uploadWait = time.Second

// sendWithin sends v on ch, waiting up to d for a receiver or room; false
// when none came.
func sendWithin[T any](ch chan<- T, v T, d time.Duration) bool {
	select {
	case ch <- v:
		return true
	default:
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case ch <- v:
		return true
	case <-t.C:
		return false
	}
}

// askJob is a question handed to an answer worker; the worker sends the
// answer on done, which has room for it.
type askJob struct {
	ctx              context.Context
	question, server string
	done             chan<- askResult
}

// answerWorkers runs n answer workers until quit is closed. A fixed set of
// goroutines rather than one per question: the search runs deep, and a
// fresh goroutine's stack would grow (and be copied) for every question;
// theirs stays grown. n also caps the answers computed at once.
func (b *Bot) answerWorkers(n int, quit <-chan struct{}) {
	for range n {
		go func() {
			for {
				select {
				case j := <-b.jobs:
					b.answer(j)
				case <-quit:
					return
				}
			}
		}()
	}
}

// answer computes one job's answer. Run's and handle's recovers do not
// reach the worker: a panic here would end the process, so it becomes this
// question's error.
func (b *Bot) answer(j askJob) {
	defer func() {
		if p := recover(); p != nil {
			j.done <- askResult{err: fmt.Errorf("%w: answering panicked: %v", errPanic, p)}
		}
	}()
	a, err := b.ans.Ask(j.ctx, j.question, j.server, shownHits+moreHits)
	j.done <- askResult{a, err}
}

// submit hands j to a free answer worker, waiting up to workerWait; false
// when none came free. Waiting questions are taken in the order they came.
func (b *Bot) submit(j askJob) bool { return sendWithin(b.jobs, j, workerWait) }

// handleAsk answers /ask: directly when the answer is ready within
// DeferAfter, otherwise by deferring and editing the reply in.
func (b *Bot) handleAsk(r replier, i *discordgo.Interaction) outcome {
	data := i.ApplicationCommandData()
	var question string
	var hide bool
	for _, o := range data.Options {
		switch o.Name {
		case "question":
			question, _ = o.Value.(string)
		case "hide":
			hide, _ = o.Value.(bool)
		}
	}
	if !b.limiter.allow(userID(i), time.Now()) {
		return b.fail(r, i, textRateLimit)
	}
	// The answer is computed on its own context: shutdown lets it finish.
	// The worker is busy computing it only, not for the calls to Discord
	// that send it: a slow Discord must not make the bot busy.
	ctx, cancel := context.WithTimeout(context.Background(), askTime)
	defer cancel()
	done := make(chan askResult, 1)
	if !b.submit(askJob{ctx: ctx, question: question, server: i.GuildID, done: done}) {
		return b.fail(r, i, textBusy)
	}
	if b.log.Enabled(context.Background(), slog.LevelDebug) {
		b.log.Debug("ask", "guild", i.GuildID, "question", question)
	}

	var res askResult
	deferred := b.DeferAfter <= 0
	if !deferred {
		t := time.NewTimer(b.DeferAfter)
		select {
		case res = <-done:
			t.Stop()
		case <-t.C:
			deferred = true
		}
	}
	if !deferred {
		m, out := b.answerMessage(res, hide)
		if err := b.respond(r, i, m, false); err != nil {
			out.err = errors.Join(out.err, err)
		}
		return out
	}

	var flags discordgo.MessageFlags
	if hide {
		flags = discordgo.MessageFlagsEphemeral
	}
	if err := r.Respond(i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: flags, AllowedMentions: noMentions()},
	}); err != nil {
		return outcome{deferred: true, err: fmt.Errorf("defer: %w", err)}
	}
	res = <-done
	m, out := b.answerMessage(res, hide)
	out.deferred = true
	if m.ephemeral && !hide {
		// Errors are private, but the deferred reply is public: replace it.
		if err := r.DeleteOriginal(i); err != nil {
			out.err = errors.Join(out.err, fmt.Errorf("delete deferred reply: %w", err))
		}
		if err := r.Followup(i, &discordgo.WebhookParams{
			Content: m.content, Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: noMentions(),
		}); err != nil {
			out.err = errors.Join(out.err, fmt.Errorf("error follow-up: %w", err))
		}
		return out
	}
	comps := m.components
	if comps == nil {
		comps = []discordgo.MessageComponent{}
	}
	if err := r.Edit(i, &discordgo.WebhookEdit{
		Content: &m.content, Components: &comps, AllowedMentions: noMentions(),
	}); err != nil {
		out.err = errors.Join(out.err, fmt.Errorf("edit deferred reply: %w", err))
	}
	return out
}

// answerMessage turns an answer (or its error) into a reply.
func (b *Bot) answerMessage(res askResult, hide bool) (message, outcome) {
	switch {
	case errors.Is(res.err, answer.ErrEmptyQuestion):
		return message{content: "Your question is empty: type a question after /ask.", ephemeral: true}, outcome{}
	case errors.Is(res.err, answer.ErrQuestionTooLong):
		return message{content: fmt.Sprintf("Your question is too long: at most %d characters, please.", answer.MaxQuestionChars), ephemeral: true}, outcome{}
	case res.err != nil:
		return message{content: textInternal, ephemeral: true}, outcome{err: fmt.Errorf("ask: %w", res.err)}
	}
	a := res.ans
	if !a.Answered || len(a.Hits) == 0 {
		return declined(a.Suggestions, hide), outcome{}
	}
	shown := a.Hits[:min(len(a.Hits), shownHits)]
	rd := renderHits(shown, "", maxContent, b.requote(a.Terms))
	shown = shown[:rd.shown]
	m := message{content: rd.text, ephemeral: hide}
	buttons := wholeButtons(shown, rd.cut)
	// Hits that did not fit stay within reach, behind "More results".
	var rest []document.Ref
	for _, h := range a.Hits[len(shown):] {
		rest = append(rest, document.Ref{Document: h.Document, Section: h.Section})
	}
	if id := encodeMore(rest, a.Terms); id != "" {
		buttons = append(buttons, discordgo.Button{Label: "More results", Style: discordgo.SecondaryButton, CustomID: id})
	}
	if len(buttons) > 0 {
		m.components = []discordgo.MessageComponent{discordgo.ActionsRow{Components: buttons}}
	}
	return m, outcome{hits: len(shown)}
}

// requote quotes a hit's section again, in less room, by the sentences
// that hold most of the question's terms (or, failing that, cuts its quote).
func (b *Bot) requote(terms []string) requoter {
	return func(h answer.Hit, n int) string {
		if d, ok := b.corpus.Document(h.Document); ok {
			if q, ok := b.ans.QuoteFor(d, h.Section, terms, n); ok && q.Quote != "" && chars(q.Quote) <= n {
				return q.Quote
			}
		}
		return cutQuote(h.Quote, n)
	}
}

// wholeButtons are "Whole answer" buttons for the hits shown whose quote
// leaves part of the answer out (cut, from renderHits): named after their
// question when there are several hits.
func wholeButtons(hits []answer.Hit, cut []bool) []discordgo.MessageComponent {
	var buttons []discordgo.MessageComponent
	for k, h := range hits {
		id := "w:" + h.Document + ":" + strconv.Itoa(h.Section)
		if !cut[k] || len(id) > maxCustomID {
			continue
		}
		label := "Whole answer"
		switch {
		case len(hits) == 1:
		case h.Section == 0:
			label = "Whole introduction"
		default:
			label += ": " + clip(strings.Join(strings.Fields(mdtext.Shown(h.Asked)), " "), 50)
		}
		buttons = append(buttons, discordgo.Button{Label: label, Style: discordgo.SecondaryButton, CustomID: id})
	}
	return buttons
}

// maxSuggestionButtons is how many suggestions get a button.
const maxSuggestionButtons = 5

// declined is the reply when the corpus does not answer a question: the
// questions it does answer, numbered, each with a button that shows its
// answer.
func declined(sugs []answer.Suggestion, hide bool) message {
	var b strings.Builder
	b.WriteString(textNoAnswer)
	var buttons []discordgo.MessageComponent
	if len(sugs) > 0 {
		b.WriteString(" Questions it does answer:")
		for k, s := range sugs {
			line := fmt.Sprintf("\n**%d.** %s", k+1, plain(clip(strings.Join(strings.Fields(mdtext.Shown(s.Question)), " "), 300)))
			if chars(b.String())+chars(line) > maxContent {
				break
			}
			b.WriteString(line)
			if id := "w:" + s.Document + ":" + strconv.Itoa(s.Section); len(id) <= maxCustomID && len(buttons) < maxSuggestionButtons {
				buttons = append(buttons, discordgo.Button{Label: fmt.Sprintf("Answer %d", k+1), Style: discordgo.SecondaryButton, CustomID: id})
			}
		}
	}
	m := message{content: b.String(), ephemeral: hide}
	if len(buttons) > 0 {
		m.components = []discordgo.MessageComponent{discordgo.ActionsRow{Components: buttons}}
	}
	return m
}

// encodeMore packs refs, and as many of the question's terms (the
// weightiest first) as there is room for, into a "More results" custom_id:
// "m:doc:1,4;other:2|neuquen space station". Refs are grouped by document
// and dropped from the end until they fit in Discord's 100 characters; ""
// when none fit. The terms let the button quote each section as the answer
// to the question rather than by its opening, with no state kept in the bot.
func encodeMore(refs []document.Ref, terms []string) string {
	id := encodeRefs(refs)
	if id == "" {
		return ""
	}
	sep := "|"
	for _, t := range terms {
		if t == "" || strings.ContainsAny(t, "| ") || len(id)+len(sep)+len(t) > maxCustomID {
			continue
		}
		id += sep + t
		sep = " "
	}
	return id
}

// decodeMore reads what encodeMore wrote after "m:".
func decodeMore(payload string) ([]document.Ref, []string) {
	refs, terms, _ := strings.Cut(payload, "|")
	return decodeRefs(refs), strings.Fields(terms)
}

// encodeRefs packs refs for encodeMore.
func encodeRefs(refs []document.Ref) string {
	for n := len(refs); n > 0; n-- {
		var groups []string
		idx := map[string]int{}
		for _, r := range refs[:n] {
			if strings.ContainsAny(r.Document, ":;,") {
				continue
			}
			k, ok := idx[r.Document]
			if !ok {
				k = len(groups)
				idx[r.Document] = k
				groups = append(groups, r.Document+":"+strconv.Itoa(r.Section))
				continue
			}
			groups[k] += "," + strconv.Itoa(r.Section)
		}
		if len(groups) == 0 {
			return ""
		}
		if id := "m:" + strings.Join(groups, ";"); len(id) <= maxCustomID {
			return id
		}
	}
	return ""
}

// decodeRefs reads what encodeRefs wrote, after "m:".
func decodeRefs(payload string) []document.Ref {
	var refs []document.Ref
	for _, g := range strings.Split(payload, ";") {
		doc, nums, ok := strings.Cut(g, ":")
		if !ok || doc == "" {
			continue
		}
		for _, n := range strings.Split(nums, ",") {
			if k, err := strconv.Atoi(n); err == nil && k >= 0 {
				refs = append(refs, document.Ref{Document: doc, Section: k})
			}
		}
	}
	return refs
}

// sectionHit is a section shown without a question to select from, whole
// (its quote is the whole answer, to be cut to fit).
func (b *Bot) sectionHit(d *document.Document, section int) (answer.Hit, bool) {
	var text string
	h := answer.Hit{Document: d.ID, Title: d.Meta.Title, Section: section, Speaker: d.Meta.Interviewee}
	if section == 0 {
		text = strings.Join(d.Intro, "\n\n")
	} else {
		s, ok := d.Section(section)
		if !ok {
			return h, false
		}
		text = s.Answer()
		h.Asked, h.Asker = s.Question, s.Asker
		if s.Answerer != "" {
			h.Speaker = s.Answerer
		}
	}
	if strings.TrimSpace(text) == "" {
		return h, false
	}
	h.Quote, h.Whole = text, true
	h.Link = b.ans.Link(d, section)
	return h, true
}

// answerParts splits h's quote, a whole answer, into messages of at most
// limit characters under its heading, at sentence ends (a sentence longer
// than a message goes on over several, cut between words): each part but the first
// opens with "…", each but the last ends with it, and the heading says
// which part it is.
func answerParts(h answer.Hit, limit int) []string {
	text := strings.TrimSpace(h.Quote)
	head := heading(h, math.MaxInt)
	if chars(head) > limit/3 {
		head = heading(h, longLink)
	}
	const label = " · part 9999 of 9999"
	room := limit - chars(head) - len(label) - 1
	sents := quote.Sentences(text)
	var chunks []string
	for i := 0; i < len(sents); {
		mark := func(j int) string { // sentences i..j with their ellipses
			q := text[sents[i].Start:sents[j].End]
			if i > 0 {
				q = quote.Ellipsis + " " + q
			}
			if j+1 < len(sents) {
				q += " " + quote.Ellipsis
			}
			return q
		}
		j := i
		for j < len(sents) && chars(blockQuote(mark(j))) <= room {
			j++
		}
		if j == i { // one sentence longer than a message: in pieces
			chunks = append(chunks, pieces(mark(i), room)...)
			i++
			continue
		}
		chunks = append(chunks, mark(j-1))
		i = j
	}
	if len(chunks) == 0 {
		chunks = []string{text}
	}
	out := make([]string, len(chunks))
	for k, c := range chunks {
		partOf := ""
		if len(chunks) > 1 {
			partOf = fmt.Sprintf(" · part %d of %d", k+1, len(chunks))
		}
		out[k] = hardClip(head+partOf+"\n"+blockQuote(c), limit)
	}
	return out
}

// handleButton answers a click on one of the bot's buttons; all state is in
// the custom_id, so buttons keep working across restarts.
func (b *Bot) handleButton(r replier, i *discordgo.Interaction, id string) outcome {
	kind, payload, _ := strings.Cut(id, ":")
	switch kind {
	case "w":
		// "doc:section" under an answer or a suggestion opens the whole
		// answer privately; "doc:section:part" turns its pages.
		doc, rest, _ := strings.Cut(payload, ":")
		sec, p, paging := strings.Cut(rest, ":")
		n, err := strconv.Atoi(sec)
		d, ok := b.document(doc, i.GuildID)
		if err != nil || !ok {
			return b.fail(r, i, "That document is no longer in the corpus.")
		}
		h, ok := b.sectionHit(d, n)
		if !ok {
			return b.fail(r, i, "That answer is no longer in the corpus.")
		}
		parts := answerParts(h, maxContent)
		part, _ := strconv.Atoi(p)
		part = min(max(part, 0), len(parts)-1)
		m := message{content: parts[part], ephemeral: true,
			components: pageButtons(fmt.Sprintf("w:%s:%d:", doc, n), "part", part, len(parts))}
		return outcome{hits: 1, err: b.respond(r, i, m, paging)}
	case "m":
		// Buttons from before the terms were kept have none: those quote
		// each section's opening.
		refs, terms := decodeMore(payload)
		var hits []answer.Hit
		for _, r := range refs {
			d, ok := b.document(r.Document, i.GuildID)
			if !ok {
				continue
			}
			if h, ok := b.ans.QuoteFor(d, r.Section, terms, 0); ok && strings.TrimSpace(h.Quote) != "" {
				hits = append(hits, h)
			}
		}
		if len(hits) == 0 {
			return b.fail(r, i, "Those results are no longer in the corpus.")
		}
		rd := renderHits(hits, "", maxContent, b.requote(terms))
		m := message{content: rd.text, ephemeral: true}
		if buttons := wholeButtons(hits[:rd.shown], rd.cut); len(buttons) > 0 {
			m.components = []discordgo.MessageComponent{discordgo.ActionsRow{Components: buttons}}
		}
		return outcome{hits: rd.shown, err: b.respond(r, i, m, false)}
	case "s":
		page, _ := strconv.Atoi(payload)
		m := b.sourcesPage(i.GuildID, page)
		if !clickedByAsker(i) {
			m.ephemeral = true // as for "q" below
			return outcome{err: b.respond(r, i, m, false)}
		}
		return outcome{err: b.respond(r, i, m, true)}
	case "q":
		doc, p, _ := strings.Cut(payload, ":")
		page, _ := strconv.Atoi(p)
		d, ok := b.document(doc, i.GuildID)
		if !ok {
			return b.fail(r, i, "That document is no longer in the corpus.")
		}
		m := questionsPage(d, page)
		if !clickedByAsker(i) {
			// A public list turns for whoever asked for it; anyone else
			// gets the page to themselves.
			m.ephemeral = true
			return outcome{err: b.respond(r, i, m, false)}
		}
		return outcome{err: b.respond(r, i, m, true)}
	}
	return b.fail(r, i, "That button is not mine any more.")
}

// clickedByAsker reports whether a button was clicked by the user whose
// interaction made the message it is on, or on a private message (which
// only they see); true when Discord does not say.
func clickedByAsker(i *discordgo.Interaction) bool {
	m := i.Message
	if m == nil || m.Flags&discordgo.MessageFlagsEphemeral != 0 || m.InteractionMetadata == nil || m.InteractionMetadata.User == nil {
		return true
	}
	return m.InteractionMetadata.User.ID == userID(i)
}

// pieces cuts text, a sentence too long for a message, into consecutive
// pieces whose block quotes take at most room characters each: at spaces,
// or between any two characters where it has none (Chinese, Japanese),
// with "…" where it was cut. Nothing of it is left out.
func pieces(text string, room int) []string {
	var out []string
	for s := 0; s < len(text); {
		lead := ""
		if s > 0 {
			lead = quote.Ellipsis + " "
		}
		piece := func(k int) string {
			p := lead + strings.TrimSpace(text[s:k])
			if k < len(text) {
				p += " " + quote.Ellipsis
			}
			return p
		}
		fits := func(k int) bool { return chars(blockQuote(piece(k))) <= room }
		if fits(len(text)) {
			out = append(out, piece(len(text)))
			break
		}
		// Where it may be cut: after s, at a space; else at any character.
		var cuts []int
		for k, r := range text[s:] {
			if k > 0 && unicode.IsSpace(r) {
				cuts = append(cuts, s+k)
			}
		}
		n := sort.Search(len(cuts), func(j int) bool { return !fits(cuts[j]) })
		if n == 0 {
			cuts = cuts[:0]
			for k := range text[s:] {
				if k > 0 {
					cuts = append(cuts, s+k)
				}
			}
			n = sort.Search(len(cuts), func(j int) bool { return !fits(cuts[j]) })
			if n == 0 { // room for not even one character: the caller's bound is wrong
				out = append(out, hardClip(piece(len(text)), room))
				break
			}
		}
		k := cuts[n-1]
		out = append(out, piece(k))
		s = k + len(text[k:]) - len(strings.TrimLeftFunc(text[k:], unicode.IsSpace))
	}
	return out
}
