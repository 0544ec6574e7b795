package bot

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/verbatimbot/verbatim/internal/document"
	"github.com/verbatimbot/verbatim/internal/fold"
	"github.com/verbatimbot/verbatim/internal/mdtext"
)

const questionsPerPage = 10

// handleSources lists the documents answered in the interaction's guild.
func (b *Bot) handleSources(r replier, i *discordgo.Interaction) outcome {
	m := b.sourcesPage(i.GuildID, 0)
	m.ephemeral = boolOption(i, "hide")
	return outcome{hits: len(b.documents(i.GuildID)), err: b.respond(r, i, m, false)}
}

// sourcesPage is page p of the documents answered in guild, with buttons
// to turn the pages.
func (b *Bot) sourcesPage(guild string, p int) message {
	docs := b.documents(guild)
	if len(docs) == 0 {
		return message{content: "The corpus is empty."}
	}
	lines := make([]string, len(docs))
	for k, d := range docs {
		title := clip(d.Meta.Title, 150)
		line := "• " + plain(strings.Join(strings.Fields(title), " "))
		if d.Meta.SourceURL != "" && len(d.Meta.SourceURL) <= longLink {
			line = "• " + linkTo(title, d.Meta.SourceURL, false)
		}
		lines[k] = line + fmt.Sprintf(" — %d questions (`%s`)", len(d.Sections), clip(d.ID, 100))
	}
	head := fmt.Sprintf("**%s** — `/questions` lists a document's questions.", count(len(docs), "document"))
	return paged(head, lines, p, "s:")
}

// paged is page p (clamped) of lines under head, each page within a
// message, with Previous and Next buttons whose custom_ids are prefix and
// the page they turn to when there is more than one page. A line longer
// than a page is clipped.
func paged(head string, lines []string, p int, prefix string) message {
	const footer = " (page 9999 of 9999)"
	head = hardClip(head, maxContent/4)
	room := maxContent - chars(head) - len(footer)
	var pages [][]string
	var cur []string
	used := 0
	for _, l := range lines {
		l = hardClip(l, room-1)
		if used+1+chars(l) > room && len(cur) > 0 {
			pages, cur, used = append(pages, cur), nil, 0
		}
		cur = append(cur, l)
		used += 1 + chars(l)
	}
	pages = append(pages, cur)
	p = min(max(p, 0), len(pages)-1)
	if len(pages) > 1 {
		head += fmt.Sprintf(" (page %d of %d)", p+1, len(pages))
	}
	return message{content: head + "\n" + strings.Join(pages[p], "\n"), components: pageButtons(prefix, "", p, len(pages))}
}

// pageButtons are the Previous and Next buttons under page (0-based) of
// pages, whose custom_ids are prefix and the page they turn to, labelled
// "Previous part" and so on with a noun; none when there is one page or an
// id would be too long.
func pageButtons(prefix, noun string, page, pages int) []discordgo.MessageComponent {
	prev, next := prefix+strconv.Itoa(page-1), prefix+strconv.Itoa(page+1)
	if pages < 2 || len(prev) > maxCustomID || len(next) > maxCustomID {
		return nil
	}
	label := func(s string) string { return strings.TrimSpace(s + " " + noun) }
	return []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{Label: label("Previous"), Style: discordgo.SecondaryButton, CustomID: prev, Disabled: page == 0},
		discordgo.Button{Label: label("Next"), Style: discordgo.SecondaryButton, CustomID: next, Disabled: page == pages-1},
	}}}
}

// handleQuestions lists the first page of a document's questions.
func (b *Bot) handleQuestions(r replier, i *discordgo.Interaction) outcome {
	var name string
	for _, o := range i.ApplicationCommandData().Options {
		if o.Name == "document" {
			name, _ = o.Value.(string)
		}
	}
	d := b.findDocument(name, i.GuildID)
	if d == nil {
		return b.fail(r, i, "There is no such document. `/sources` lists them.")
	}
	m := questionsPage(d, 0)
	m.ephemeral = boolOption(i, "hide")
	return outcome{err: b.respond(r, i, m, false)}
}

// boolOption is the value of a command's boolean option (false when absent).
func boolOption(i *discordgo.Interaction, name string) bool {
	for _, o := range i.ApplicationCommandData().Options {
		if o.Name == name {
			v, _ := o.Value.(bool)
			return v
		}
	}
	return false
}

// findDocument finds a document by id or title.
func (b *Bot) findDocument(name, guild string) *document.Document {
	name = strings.TrimSpace(name)
	if d, ok := b.document(name, guild); ok {
		return d
	}
	f := fold.Lower(name)
	for _, d := range b.documents(guild) {
		if fold.Lower(d.Meta.Title) == f || fold.Lower(d.ID) == f {
			return d
		}
	}
	return nil
}

// questionsPage is one page of a document's questions with Previous/Next
// buttons whose custom_id carries the document and the page.
func questionsPage(d *document.Document, page int) message {
	pages := max((len(d.Sections)+questionsPerPage-1)/questionsPerPage, 1)
	page = min(max(page, 0), pages-1)
	from := page * questionsPerPage
	to := min(from+questionsPerPage, len(d.Sections))
	var sb strings.Builder
	fmt.Fprintf(&sb, "**%s** — questions %d–%d of %d", plain(clip(d.Meta.Title, 150)), min(from+1, to), to, len(d.Sections))
	per := (maxContent - chars(sb.String()) - 20) / questionsPerPage
	for k := from; k < to; k++ {
		q := strings.ReplaceAll(mdtext.Shown(d.Sections[k].Question), "\n", " ")
		line := clip(q, per-6)
		if who := d.Sections[k].Answerer; who != "" && askedTwice(d, k) {
			// Two people answer it: the list tells their answers apart.
			who = " — " + clip(who, 40)
			line = clip(q, max(per-6-chars(who), 20)) + who
		}
		fmt.Fprintf(&sb, "\n%d. %s", k+1, plain(line))
	}
	return message{content: hardClip(sb.String(), maxContent), components: pageButtons("q:"+d.ID+":", "", page, pages)}
}

// askedTwice reports whether section k shares its question with the
// section before or after it, answered by someone else: one question that
// two people answer is a section for each answer. The same question asked
// again of the same person ("Why?" twice) is not told apart by a name.
func askedTwice(d *document.Document, k int) bool {
	s := d.Sections[k]
	other := func(j int) bool {
		return j >= 0 && j < len(d.Sections) && d.Sections[j].Question == s.Question && d.Sections[j].Answerer != s.Answerer
	}
	return other(k-1) || other(k+1)
}

// handleAutocomplete suggests values for the option being typed.
func (b *Bot) handleAutocomplete(r replier, i *discordgo.Interaction) outcome {
	data := i.ApplicationCommandData()
	var focused *discordgo.ApplicationCommandInteractionDataOption
	for _, o := range data.Options {
		if o.Focused {
			focused = o
		}
	}
	var choices []*discordgo.ApplicationCommandOptionChoice
	if focused != nil {
		typed, _ := focused.Value.(string)
		switch {
		case data.Name == "ask" && focused.Name == "question":
			ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
			choices = b.questionChoices(ctx, typed, i.GuildID)
			cancel()
		case data.Name == "questions" && focused.Name == "document":
			choices = b.documentChoices(typed, i.GuildID)
		}
	}
	return b.suggest(r, i, choices)
}

// suggest answers an autocomplete interaction with choices (none when nil).
func (b *Bot) suggest(r replier, i *discordgo.Interaction, choices []*discordgo.ApplicationCommandOptionChoice) outcome {
	if choices == nil {
		choices = []*discordgo.ApplicationCommandOptionChoice{}
	}
	err := r.Respond(i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: choices},
	})
	if err != nil {
		err = fmt.Errorf("autocomplete: %w", err)
	}
	return outcome{hits: len(choices), err: err}
}

// candidate is a suggestion being ranked.
type candidate struct {
	name, value string
	score       float64
	order       int
}

// matchScore is how well typed (folded, and its words) matches text: a
// prefix beats a substring beats shared words; 0 is no match.
func matchScore(typed string, typedWords []string, text string) float64 {
	t := fold.Lower(text)
	score := 0.0
	switch {
	case strings.HasPrefix(t, typed):
		score += 100
	case strings.Contains(t, typed):
		score += 50
	}
	tw := words(t)
	for _, w := range typedWords {
		for _, x := range tw {
			if x == w {
				score += 12
				break
			}
			if strings.HasPrefix(x, w) {
				score += 8
				break
			}
		}
	}
	return score
}

// rank orders candidates, drops duplicates and cuts to Discord's limits.
func rank(cands []candidate) []*discordgo.ApplicationCommandOptionChoice {
	slices.SortStableFunc(cands, func(a, b candidate) int {
		if a.score != b.score {
			if a.score > b.score {
				return -1
			}
			return 1
		}
		return a.order - b.order
	})
	seen := map[string]bool{}
	var out []*discordgo.ApplicationCommandOptionChoice
	for _, c := range cands {
		name := clip(c.name, maxChoiceChars)
		value := c.value
		if chars(value) > maxChoiceChars {
			value = clip(value, maxChoiceChars)
		}
		if seen[name] || strings.TrimSpace(name) == "" || value == "" {
			continue
		}
		seen[name] = true
		out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: name, Value: value})
		if len(out) == maxChoices {
			break
		}
	}
	return out
}

// questionChoices are corpus questions ranked by how well they match what
// was typed, then the questions of the sections a search for it finds.
func (b *Bot) questionChoices(ctx context.Context, typed, guild string) []*discordgo.ApplicationCommandOptionChoice {
	t := strings.TrimSpace(fold.Lower(typed))
	tw := words(t)
	var cands []candidate
	pos := map[document.Ref]int{}
	for _, d := range b.documents(guild) {
		for k, s := range d.Sections {
			// Shown as the replies head their quotes; sent as written,
			// which /ask takes for the question it is (so does what is shown).
			q := strings.Join(strings.Fields(s.Question), " ")
			name := strings.Join(strings.Fields(mdtext.Shown(s.Question)), " ")
			c := candidate{name: name, value: q, order: len(cands)}
			if t != "" {
				c.score = matchScore(t, tw, name)
			}
			pos[document.Ref{Document: d.ID, Section: k + 1}] = len(cands)
			cands = append(cands, c)
		}
	}
	if t != "" && len(tw) > 0 {
		// Sections whose answers match score too, below questions that match.
		if rk, err := b.ans.Search(ctx, typed, guild, maxChoices); err == nil {
			for r, h := range rk.Candidates {
				if k, ok := pos[h.Ref]; ok {
					cands[k].score += 10 - float64(r)*0.1
				}
			}
		}
		kept := cands[:0]
		for _, c := range cands {
			if c.score > 0 {
				kept = append(kept, c)
			}
		}
		cands = kept
	}
	return rank(cands)
}

// documentChoices are documents whose title or id matches what was typed;
// the value is the id.
func (b *Bot) documentChoices(typed, guild string) []*discordgo.ApplicationCommandOptionChoice {
	t := strings.TrimSpace(fold.Lower(typed))
	tw := words(t)
	var cands []candidate
	docs := b.documents(guild)
	titles := map[string]int{}
	for _, d := range docs {
		titles[fold.Lower(d.Meta.Title)]++
	}
	for k, d := range docs {
		if chars(d.ID) > maxChoiceChars {
			continue
		}
		name := d.Meta.Title
		if titles[fold.Lower(name)] > 1 || strings.TrimSpace(name) == "" {
			// Choices show names only: documents of one title are told
			// apart by their ids (a server's own copy of a seed, say).
			name = clip(name, maxChoiceChars-chars(d.ID)-3) + " (" + d.ID + ")"
		}
		c := candidate{name: strings.TrimSpace(name), value: d.ID, order: k}
		if t != "" {
			c.score = max(matchScore(t, tw, d.Meta.Title), matchScore(t, tw, d.ID))
			if c.score == 0 {
				continue
			}
		}
		cands = append(cands, c)
	}
	return rank(cands)
}
