package bot

import (
	"strings"

	"github.com/bwmarrin/discordgo"
)

// replier sends the responses to one interaction. Over the gateway every
// response is a REST call; over HTTP the first one can be the HTTP
// response itself. Handlers speak only to a replier, so both modes share them.
type replier interface {
	// Respond sends the interaction's one initial response.
	Respond(i *discordgo.Interaction, r *discordgo.InteractionResponse) error
	// Edit changes the initial response (after a deferral, say).
	Edit(i *discordgo.Interaction, e *discordgo.WebhookEdit) error
	// DeleteOriginal deletes the initial response.
	DeleteOriginal(i *discordgo.Interaction) error
	// Followup sends a further message.
	Followup(i *discordgo.Interaction, p *discordgo.WebhookParams) error
}

// sessionReplier answers through Discord's REST API.
type sessionReplier struct{ s *discordgo.Session }

// Its errors never hold the interaction's token: the routes carry it, and
// discordgo's network and rate-limit errors quote the URL, while anyone
// with the token can post as the bot in that channel for 15 minutes.

func (r sessionReplier) Respond(i *discordgo.Interaction, resp *discordgo.InteractionResponse) error {
	return redact(r.s.InteractionRespond(i, resp), i.Token)
}

func (r sessionReplier) Edit(i *discordgo.Interaction, e *discordgo.WebhookEdit) error {
	_, err := r.s.InteractionResponseEdit(i, e)
	return redact(err, i.Token)
}

func (r sessionReplier) DeleteOriginal(i *discordgo.Interaction) error {
	return redact(r.s.InteractionResponseDelete(i), i.Token)
}

func (r sessionReplier) Followup(i *discordgo.Interaction, p *discordgo.WebhookParams) error {
	_, err := r.s.FollowupMessageCreate(i, true, p)
	return redact(err, i.Token)
}

// redactedError is an error whose text has secrets taken out; errors.Is
// and errors.As still see the original.
type redactedError struct {
	err  error
	text string
}

func (e *redactedError) Error() string { return e.text }
func (e *redactedError) Unwrap() error { return e.err }

// redact returns err with every occurrence of the secrets in its text
// replaced by "[redacted]", so that it can be logged.
func redact(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	text := err.Error()
	for _, s := range secrets {
		if s != "" {
			text = strings.ReplaceAll(text, s, "[redacted]")
		}
	}
	if text == err.Error() {
		return err
	}
	return &redactedError{err: err, text: text}
}
