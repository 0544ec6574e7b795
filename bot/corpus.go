package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/verbatimbot/verbatim/internal/fold"
	"github.com/verbatimbot/verbatim/internal/library"
)

// Curator curates the documents of a server; *library.Library is one.
// Errors meant for users are *library.Error, whose Msg is shown as it is
// (but for NotFound: the bot names its own list command). An entry
// returned with an error means the change was made but the index not yet
// updated; the library catches up within seconds.
type Curator interface {
	// Add parses and stores an uploaded document, answerable at once.
	Add(ctx context.Context, u library.Upload) (library.Entry, error)
	// Remove deletes a document server owns (never a seed).
	Remove(ctx context.Context, id, server string) (library.Entry, error)
	// List returns server's own documents and the seeds.
	List(server string) []library.Entry
	// Show returns a document server may see.
	Show(id, server string) (library.Entry, error)
}

const (
	addTime        = 60 * time.Second // fetching, parsing and indexing an upload
	removeTime     = 20 * time.Second
	shownQuestions = 5 // by /corpus show
)

// User-facing texts of /corpus.
const (
	textNotModerator = "Only moderators can change the corpus: members with Manage Server, or with a moderator role."
	textGuildOnly    = "The corpus is curated in a server: use /corpus there."
	textNoSuchDoc    = "There is no such document in this server. `/corpus list` lists them."
	textNoFile       = "Attach the file to add with the `file` option."
	textDownload     = "I could not download the attached file from Discord. Please try again in a moment."
	textRestarting   = "The bot is restarting, so your file was not added. Please send it again in a minute."
)

// uploadGrace is how long before the end of the shutdown's wait uploads
// still running are stopped: time to tell their moderator.
const uploadGrace = 2 * time.Second

// errShuttingDown is the cause of an upload stopped by the shutdown.
var errShuttingDown = errors.New("the bot is shutting down")

// corpusCommand is /corpus. Discord shows it to members with Manage Server
// by default (server admins can widen that); the bot checks every request
// itself all the same.
func corpusCommand() *discordgo.ApplicationCommand {
	perms := int64(discordgo.PermissionManageGuild)
	inDM := false
	contexts := []discordgo.InteractionContextType{discordgo.InteractionContextGuild}
	id := func(desc string) []*discordgo.ApplicationCommandOption {
		return []*discordgo.ApplicationCommandOption{{Type: discordgo.ApplicationCommandOptionString, Name: "id",
			Description: desc, Required: true, Autocomplete: true, MaxLength: maxChoiceChars}}
	}
	var formats []*discordgo.ApplicationCommandOptionChoice
	for _, f := range []struct{ name, value string }{
		{"Transcript (speaker-labelled turns)", "transcript"},
		{"Markdown (headings are the questions)", "markdown"},
		{"FAQ as JSON Lines", "jsonl"},
		{"FAQ as CSV", "csv"},
	} {
		formats = append(formats, &discordgo.ApplicationCommandOptionChoice{Name: f.name, Value: f.value})
	}
	return &discordgo.ApplicationCommand{
		Name:                     "corpus",
		Description:              "Add, list, show and remove the documents answered in this server",
		DefaultMemberPermissions: &perms,
		DMPermission:             &inDM,
		Contexts:                 &contexts,
		Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "add", Description: "Add a document from a file",
				Options: []*discordgo.ApplicationCommandOption{
					{Type: discordgo.ApplicationCommandOptionAttachment, Name: "file", Required: true,
						Description: "An interview transcript, Markdown, or an FAQ as JSON Lines or CSV (at most 1 MiB)"},
					{Type: discordgo.ApplicationCommandOptionString, Name: "title", MaxLength: 200,
						Description: "The document's title (default: from the file)"},
					{Type: discordgo.ApplicationCommandOptionString, Name: "url", MaxLength: 1000,
						Description: "Where the document is published, for links to its questions"},
					{Type: discordgo.ApplicationCommandOptionString, Name: "format", Choices: formats,
						Description: "The file's format (default: detected)"},
					{Type: discordgo.ApplicationCommandOptionString, Name: "interviewer", MaxLength: 200,
						Description: "Who asks the questions, as the file names them (default: inferred)"},
					{Type: discordgo.ApplicationCommandOptionString, Name: "interviewee", MaxLength: 200,
						Description: "Who answers, as the file names them (default: inferred)"},
				}},
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "list", Description: "List this server's documents"},
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "show", Description: "Show what a document holds",
				Options: id("The document")},
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "remove", Description: "Remove a document (asks first)",
				Options: id("The document to remove")},
		},
	}
}

// moderator reports whether the interaction's member may curate the corpus:
// Manage Server or Administrator in the permissions Discord computed for
// this interaction, or a configured moderator role. Never in a DM.
func (b *Bot) moderator(i *discordgo.Interaction) bool {
	if i.GuildID == "" || i.Member == nil {
		return false
	}
	if i.Member.Permissions&(discordgo.PermissionManageGuild|discordgo.PermissionAdministrator) != 0 {
		return true
	}
	for _, r := range i.Member.Roles {
		if slices.Contains(b.cfg.ModeratorRoles, r) {
			return true
		}
	}
	return false
}

// refusal is the private answer to someone who may not curate, or "".
func (b *Bot) refusal(i *discordgo.Interaction) string {
	switch {
	case i.GuildID == "" || i.Member == nil:
		return textGuildOnly
	case !b.moderator(i):
		return textNotModerator
	}
	return ""
}

// subcommand is the /corpus subcommand invoked and its options by name.
func subcommand(i *discordgo.Interaction) (string, map[string]*discordgo.ApplicationCommandInteractionDataOption) {
	opts := map[string]*discordgo.ApplicationCommandInteractionDataOption{}
	data := i.ApplicationCommandData()
	if len(data.Options) == 0 || data.Options[0].Type != discordgo.ApplicationCommandOptionSubCommand {
		return "", opts
	}
	for _, o := range data.Options[0].Options {
		opts[o.Name] = o
	}
	return data.Options[0].Name, opts
}

func stringOpt(opts map[string]*discordgo.ApplicationCommandInteractionDataOption, name string) string {
	if o := opts[name]; o != nil {
		s, _ := o.Value.(string)
		return strings.TrimSpace(s)
	}
	return ""
}

// handleCorpus answers /corpus, for moderators only.
func (b *Bot) handleCorpus(r replier, i *discordgo.Interaction) outcome {
	if b.Curator == nil {
		return b.fail(r, i, "I do not know that command.")
	}
	if text := b.refusal(i); text != "" {
		return b.fail(r, i, text)
	}
	sub, opts := subcommand(i)
	switch sub {
	case "add":
		return b.corpusAdd(r, i, opts)
	case "list":
		m := listMessage(b.Curator.List(i.GuildID), 0)
		return b.private(r, i, m.content, false, m.components...)
	case "show":
		e, err := b.Curator.Show(stringOpt(opts, "id"), i.GuildID)
		if err != nil {
			return b.curatorFailed(r, i, "show", err)
		}
		var questions []string
		if d, ok := b.document(e.ID, i.GuildID); ok {
			for _, sec := range d.Sections[:min(len(d.Sections), shownQuestions)] {
				questions = append(questions, sec.Question)
			}
		}
		return b.private(r, i, showMessage(e, questions), false)
	case "remove":
		return b.corpusRemove(r, i, stringOpt(opts, "id"))
	}
	return b.fail(r, i, "I do not know that command.")
}

// private answers with a private message, with no buttons unless comps;
// with update, it replaces the (private) message a button is on instead.
func (b *Bot) private(r replier, i *discordgo.Interaction, content string, update bool, comps ...discordgo.MessageComponent) outcome {
	m := message{content: hardClip(content, maxContent), components: comps, ephemeral: !update}
	if update && comps == nil {
		m.components = []discordgo.MessageComponent{} // drop the buttons
	}
	return outcome{err: b.respond(r, i, m, update)}
}

// curatorFailed answers a curator's error: its message for users when it
// has one, otherwise the internal-error text (and the error is logged).
func (b *Bot) curatorFailed(r replier, i *discordgo.Interaction, op string, err error) outcome {
	text, out := curatorError(op, err)
	if res := b.fail(r, i, text); res.err != nil {
		out.err = errors.Join(out.err, res.err)
	}
	return out
}

// curatorError is the user's text for err, and the outcome to log.
func curatorError(op string, err error) (string, outcome) {
	le, ok := errors.AsType[*library.Error](err)
	switch {
	case ok && le.Kind == library.NotFound:
		return textNoSuchDoc, outcome{} // the library's text names the CLI's list command
	case ok && le.Msg != "":
		return le.Msg, outcome{}
	}
	return textInternal, outcome{err: fmt.Errorf("corpus %s: %w", op, err)}
}

// indexPending reports whether a curator's err came after its change was
// made: stored or removed, the index not yet updated.
func indexPending(e library.Entry, err error) bool { return err != nil && e.ID != "" }

// editReply replaces a deferred response with text, without buttons.
func editReply(r replier, i *discordgo.Interaction, text string) error {
	text = hardClip(text, maxContent)
	comps := []discordgo.MessageComponent{}
	if err := r.Edit(i, &discordgo.WebhookEdit{Content: &text, Components: &comps, AllowedMentions: noMentions()}); err != nil {
		return fmt.Errorf("edit deferred reply: %w", err)
	}
	return nil
}

// corpusAdd adds the attached file. The attachment is checked at once; the
// download, parsing and indexing happen behind a private deferral.
func (b *Bot) corpusAdd(r replier, i *discordgo.Interaction, opts map[string]*discordgo.ApplicationCommandInteractionDataOption) outcome {
	att := attachment(i, opts["file"])
	if att == nil {
		return b.fail(r, i, textNoFile)
	}
	if text, ok := b.checkAttachment(att); !ok {
		return b.fail(r, i, text)
	}
	// Uploads share the per-user limit of /ask: a download and a parse cost more.
	if !b.limiter.allow(userID(i), time.Now()) {
		return b.fail(r, i, textRateLimit)
	}
	// Uploads have slots of their own: a slow download must not hold up
	// /ask. One comes free as an upload's reply is sent, so a moderator's
	// next file may arrive a moment before; it waits that moment.
	if !sendWithin(b.uploads, struct{}{}, uploadWait) {
		return b.fail(r, i, textBusyFiles)
	}
	defer func() { <-b.uploads }()
	if err := r.Respond(i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: noMentions()},
	}); err != nil {
		return outcome{deferred: true, err: fmt.Errorf("defer: %w", err)}
	}
	out := outcome{deferred: true}
	ctx, cancel := context.WithTimeout(b.uploadCtx, addTime)
	defer cancel()
	var text string
	data, err := b.fetchAttachment(ctx, att)
	switch {
	case err != nil && errors.Is(context.Cause(ctx), errShuttingDown):
		text = textRestarting
	case err != nil:
		text, out.err = textDownload, err
		if le, ok := errors.AsType[*library.Error](err); ok {
			text, out.err = le.Msg, nil
		}
	default:
		// Once stored, a document is added whatever the context says; before,
		// a stopped upload changed nothing.
		e, err := b.Curator.Add(ctx, library.Upload{
			Name: att.Filename, Data: data, Server: i.GuildID,
			Title: stringOpt(opts, "title"), URL: stringOpt(opts, "url"), Format: stringOpt(opts, "format"),
			Interviewer: stringOpt(opts, "interviewer"), Interviewee: stringOpt(opts, "interviewee"),
		})
		switch {
		case indexPending(e, err):
			// Stored: a re-upload would be a duplicate, so it must not read as a failure.
			text, out.hits, out.err = addedMessage(e, false), 1, fmt.Errorf("corpus add: %w", err)
		case errors.Is(err, context.Canceled) && errors.Is(context.Cause(ctx), errShuttingDown):
			text = textRestarting // refused before anything was stored
		case err != nil:
			var res outcome
			text, res = curatorError("add", err)
			out.err = res.err
		default:
			text, out.hits = addedMessage(e, true), 1
		}
	}
	if err := editReply(r, i, text); err != nil {
		out.err = errors.Join(out.err, err)
	}
	return out
}

// attachment is the file an attachment option refers to, from the
// interaction's resolved data.
func attachment(i *discordgo.Interaction, o *discordgo.ApplicationCommandInteractionDataOption) *discordgo.MessageAttachment {
	if o == nil {
		return nil
	}
	id, _ := o.Value.(string)
	data := i.ApplicationCommandData()
	if id == "" || data.Resolved == nil {
		return nil
	}
	return data.Resolved.Attachments[id]
}

// corpusRemove asks for confirmation with buttons that carry the document
// id, so they work after a restart.
func (b *Bot) corpusRemove(r replier, i *discordgo.Interaction, id string) outcome {
	e, err := b.Curator.Show(id, i.GuildID)
	if err != nil {
		return b.curatorFailed(r, i, "show", err)
	}
	switch {
	case e.Seed:
		return b.fail(r, i, fmt.Sprintf("**%s** is shipped with Verbatim and answered in every server: it cannot be removed.", plain(oneLine(e.Title, 150))))
	case e.Server == "":
		return b.fail(r, i, fmt.Sprintf("**%s** was added by the operator for every server: it can only be removed from the command line.", plain(oneLine(e.Title, 150))))
	case e.Server != i.GuildID:
		// Not with *library.Library, whose Show hides other servers'
		// documents; the bot checks all the same, as it does permissions.
		return b.fail(r, i, textNoSuchDoc)
	}
	confirm := "c:rm:" + e.ID
	if len(confirm) > maxCustomID {
		return b.fail(r, i, "That document's id is too long to remove from Discord; the operator can remove it.")
	}
	content := fmt.Sprintf("Remove **%s** (`%s`, %d questions) from this server's corpus? It will no longer be answered here.",
		plain(oneLine(e.Title, 150)), e.ID, e.Questions)
	row := discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{Label: "Remove", Style: discordgo.DangerButton, CustomID: confirm},
		discordgo.Button{Label: "Cancel", Style: discordgo.SecondaryButton, CustomID: "c:no"},
	}}
	return b.private(r, i, content, false, row)
}

// handleCorpusButton answers Remove and Cancel on a confirmation, checking
// the clicker's permissions again: the buttons carry all the state.
func (b *Bot) handleCorpusButton(r replier, i *discordgo.Interaction, id string) outcome {
	if b.Curator == nil {
		return b.fail(r, i, "That button is not mine any more.")
	}
	if text := b.refusal(i); text != "" {
		return b.fail(r, i, text)
	}
	action, doc, _ := strings.Cut(strings.TrimPrefix(id, "c:"), ":")
	switch action {
	case "no":
		return b.private(r, i, "Cancelled: nothing was removed.", true)
	case "ls":
		page, _ := strconv.Atoi(doc)
		m := listMessage(b.Curator.List(i.GuildID), page)
		return b.private(r, i, m.content, true, m.components...)
	case "rm":
		return b.removeConfirmed(r, i, doc)
	}
	return b.fail(r, i, "That button is not mine any more.")
}

// removeConfirmed removes doc once its removal is confirmed. Removing can
// wait seconds for the store's lock, past Discord's 3 s for a first
// response: the click is acknowledged at once, and the confirmation then
// replaced with the result.
func (b *Bot) removeConfirmed(r replier, i *discordgo.Interaction, doc string) outcome {
	if err := r.Respond(i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseDeferredMessageUpdate,
		Data: &discordgo.InteractionResponseData{AllowedMentions: noMentions()},
	}); err != nil {
		// Not removed: the moderator could not be told.
		return outcome{deferred: true, err: fmt.Errorf("defer: %w", err)}
	}
	out := outcome{deferred: true}
	ctx, cancel := context.WithTimeout(context.Background(), removeTime)
	defer cancel()
	e, err := b.Curator.Remove(ctx, doc, i.GuildID)
	title := plain(oneLine(e.Title, 150))
	var text string
	switch {
	case indexPending(e, err):
		text = fmt.Sprintf("Removed **%s** (`%s`): it will stop being answered in this server within a few seconds.", title, e.ID)
		out.err = fmt.Errorf("corpus remove: %w", err)
	case err != nil:
		var res outcome
		text, res = curatorError("remove", err)
		out.err = res.err
	default:
		text = fmt.Sprintf("Removed **%s** (`%s`): it is no longer answered in this server.", title, e.ID)
	}
	if err := editReply(r, i, text); err != nil {
		out.err = errors.Join(out.err, err)
	}
	return out
}

// handleCorpusAutocomplete suggests document ids for show and remove; only
// moderators get suggestions, and remove suggests only removable ones.
func (b *Bot) handleCorpusAutocomplete(r replier, i *discordgo.Interaction) outcome {
	choices := []*discordgo.ApplicationCommandOptionChoice{}
	if b.Curator != nil && b.moderator(i) {
		sub, opts := subcommand(i)
		if o := opts["id"]; o != nil && o.Focused && (sub == "show" || sub == "remove") {
			typed, _ := o.Value.(string)
			choices = entryChoices(b.Curator.List(i.GuildID), typed, sub == "remove", i.GuildID)
		}
	}
	return b.suggest(r, i, choices)
}

// entryChoices are the entries whose title or id matches typed; the value
// is the id.
func entryChoices(entries []library.Entry, typed string, removable bool, guild string) []*discordgo.ApplicationCommandOptionChoice {
	t := strings.TrimSpace(fold.Lower(typed))
	tw := words(t)
	var cands []candidate
	for k, e := range entries {
		if chars(e.ID) > maxChoiceChars || (removable && (e.Seed || e.Server != guild)) {
			continue
		}
		c := candidate{name: oneLine(e.Title, max(maxChoiceChars-chars(e.ID)-3, 10)) + " (" + e.ID + ")", value: e.ID, order: k}
		if t != "" {
			c.score = max(matchScore(t, tw, e.Title), matchScore(t, tw, e.ID))
			if c.score == 0 {
				continue
			}
		}
		cands = append(cands, c)
	}
	return rank(cands)
}

// oneLine is a label on one line.
func oneLine(s string, n int) string { return clip(strings.Join(strings.Fields(s), " "), n) }

// addedMessage says what was understood of an added document, and whether
// it is indexed, so answered already.
func addedMessage(e library.Entry, indexed bool) string {
	when := "It is answered in this server now."
	if !indexed {
		when = "It will be answered in this server within a few seconds."
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "Added **%s** as `%s`. %s", plain(oneLine(e.Title, 200)), e.ID, when)
	writeDetails(&sb, e)
	if q := plain(oneLine(e.FirstQuestion, 400)); q != "" {
		fmt.Fprintf(&sb, "\nFirst question: “%s”", q)
	}
	return sb.String()
}

// showMessage describes a document with its first questions (or, when
// they are not at hand, the first question the entry knows).
func showMessage(e library.Entry, questions []string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "**%s** (`%s`)", plain(oneLine(e.Title, 200)), e.ID)
	if e.Seed {
		sb.WriteString("\nShipped with Verbatim and answered in every server; it cannot be removed.")
	}
	writeDetails(&sb, e)
	if len(questions) == 0 && e.FirstQuestion != "" {
		questions = []string{e.FirstQuestion}
	}
	if len(questions) > 0 {
		sb.WriteString("\nFirst questions:")
		per := max((maxContent-chars(sb.String())-20)/len(questions)-6, 40)
		for k, q := range questions {
			fmt.Fprintf(&sb, "\n%d. %s", k+1, plain(oneLine(q, min(per, 300))))
		}
	}
	return sb.String()
}

// writeDetails writes an entry's speakers, question count and metadata.
func writeDetails(sb *strings.Builder, e library.Entry) {
	if len(e.Speakers) > 0 {
		fmt.Fprintf(sb, "\nSpeakers: %s", plain(oneLine(strings.Join(e.Speakers, ", "), 300)))
	}
	if e.Interviewer != "" && e.Interviewee != "" {
		// Who asks may be a guess: shown, so that a wrong one is seen (the
		// interviewer option sets it).
		fmt.Fprintf(sb, "\nAsks: %s · answers: %s", plain(oneLine(e.Interviewer, 150)), plain(oneLine(e.Interviewee, 150)))
	}
	fmt.Fprintf(sb, "\nQuestions: %d", e.Questions)
	var meta []string
	if e.Format != "" {
		meta = append(meta, "format "+e.Format)
	}
	if e.Language != "" {
		meta = append(meta, "language "+e.Language)
	}
	if e.Bytes > 0 {
		meta = append(meta, sizeText(e.Bytes))
	}
	if !e.Added.IsZero() && !e.Seed {
		meta = append(meta, "added "+fmt.Sprintf("<t:%d:R>", e.Added.Unix()))
	}
	if len(meta) > 0 {
		sb.WriteString("\n" + strings.Join(meta, " · "))
	}
	if e.SourceURL != "" && chars(e.SourceURL) <= 500 { // a clipped URL is a wrong one
		fmt.Fprintf(sb, "\nSource: <%s>", escapeURL.Replace(e.SourceURL))
	}
}

// sizeText is a byte count for people.
func sizeText(n int) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d bytes", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// listMessage is page p of a server's documents, the shipped ones marked,
// with buttons to turn the pages.
func listMessage(entries []library.Entry, p int) message {
	if len(entries) == 0 {
		return message{content: "This server has no documents of its own yet: add one with `/corpus add`."}
	}
	entries = slices.Clone(entries)
	slices.SortStableFunc(entries, func(a, b library.Entry) int {
		// This server's documents first, then the operator's, then the seeds.
		rank := func(e library.Entry) int {
			switch {
			case e.Server != "":
				return 0
			case !e.Seed:
				return 1
			}
			return 2
		}
		if c := rank(a) - rank(b); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	own, shared := 0, 0
	for _, e := range entries {
		switch {
		case e.Server != "":
			own++
		case !e.Seed:
			shared++
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "**%s** of this server, %d shipped with Verbatim", count(own, "document"), len(entries)-own-shared)
	if shared > 0 {
		fmt.Fprintf(&sb, ", %d added by the operator for every server", shared)
	}
	sb.WriteString(" — `/corpus show` for details.")
	lines := make([]string, len(entries))
	for k, e := range entries {
		line := fmt.Sprintf("• `%s` — %s — %d questions", e.ID, plain(oneLine(e.Title, 120)), e.Questions)
		switch {
		case e.Seed:
			line += " (shipped, cannot be removed)"
		case e.Server == "":
			line += " (every server, managed by the operator)"
		}
		lines[k] = line
	}
	return paged(sb.String(), lines, p, "c:ls:")
}
