package server

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"onramp.dev/events"
)

// The set-password link reaches the notify service only: one notify.link.requested on the
// NOTIFY stream per link issued for a person (an invite, then a new link), none for people
// seeded with a password, and the secret in none of identity's own events.
func TestLinksAreHandedToNotify(t *testing.T) {
	f := setup(t)
	hr := seedHR(t, f) // seeded: no link mail
	inv := must[events.InviteReply](t)(call[events.InviteReply](t, f, events.OpInvite, hr, events.InviteRequest{
		Email: "ada@example.org", Name: "Ada", Track: "infrastructure", Team: "platform", StartDate: "2026-12-01",
	}))
	again := must[events.InviteReply](t)(call[events.InviteReply](t, f, events.OpIssueLink, hr, events.PersonRequest{ID: inv.Person.ID}))

	js, err := jetstream.New(f.env.NATS)
	if err != nil {
		t.Fatal(err)
	}
	read := func(stream string) []events.Envelope {
		t.Helper()
		s, err := js.Stream(context.Background(), stream)
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Info(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var out []events.Envelope
		for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
			m, err := s.GetMsg(context.Background(), seq)
			if err != nil {
				t.Fatal(err)
			}
			env, err := events.Decode(m.Data)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, env)
		}
		return out
	}
	var got []events.LinkMailRequested
	for _, env := range read("NOTIFY") {
		var e events.LinkMailRequested
		if err := env.Payload(&e); err != nil {
			t.Fatal(err)
		}
		if env.Subject != inv.Person.ID {
			t.Errorf("link mail for %s, want only %s", env.Subject, inv.Person.ID)
		}
		got = append(got, e)
	}
	if len(got) != 2 || got[0].Token != inv.LinkToken || got[0].Reissue || got[1].Token != again.LinkToken || !got[1].Reissue {
		t.Fatalf("link requests = %+v", got)
	}
	for _, env := range read("IDENTITY") {
		raw, _ := json.Marshal(env)
		for _, tok := range []string{inv.LinkToken, again.LinkToken} {
			if strings.Contains(string(raw), tok) {
				t.Errorf("identity event %s carries a link secret", env.Type)
			}
		}
	}
}
