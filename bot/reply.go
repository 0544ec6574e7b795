package bot

import "github.com/bwmarrin/discordgo"

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

func (r sessionReplier) Respond(i *discordgo.Interaction, resp *discordgo.InteractionResponse) error {
	return r.s.InteractionRespond(i, resp)
}

func (r sessionReplier) Edit(i *discordgo.Interaction, e *discordgo.WebhookEdit) error {
	_, err := r.s.InteractionResponseEdit(i, e)
	return err
}

func (r sessionReplier) DeleteOriginal(i *discordgo.Interaction) error {
	return r.s.InteractionResponseDelete(i)
}

func (r sessionReplier) Followup(i *discordgo.Interaction, p *discordgo.WebhookParams) error {
	_, err := r.s.FollowupMessageCreate(i, true, p)
	return err
}
