package servicetest_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"onramp.dev/events"
	"onramp.dev/infra/authn"
	"onramp.dev/infra/servicetest"
)

// A caller's token is what identity would sign: it verifies against the keys' Lookup with
// the person's id, team and roles, and not against another key.
func TestKeysSignAsIdentity(t *testing.T) {
	keys, other := servicetest.NewKeys(t), servicetest.NewKeys(t)
	c := keys.Caller(t, "ada", "platform", events.RoleLead, events.RoleMentor)
	claims, err := authn.NewVerifier(keys.Lookup).Verify(context.Background(), c.Token)
	if err != nil {
		t.Fatal(err)
	}
	if claims.Subject != "ada" || claims.Team != "platform" || !slices.Equal(claims.Roles, []string{events.RoleLead, events.RoleMentor}) || claims.Session != "s-ada" {
		t.Fatalf("claims = %+v", claims)
	}
	if _, err := authn.NewVerifier(other.Lookup).Verify(context.Background(), c.Token); err == nil {
		t.Fatal("a token verified against a key that did not sign it")
	}
}

// The stack has the streams made; Append puts an event on its owner's stream and
// StreamMsgs counts it by subject, by filter and in all.
func TestStackAppendAndCount(t *testing.T) {
	s := servicetest.Start(t)
	for _, id := range []string{"ada", "bob"} {
		s.Append(t, "hr", id, events.StaffDisabled{Reason: "left"})
	}
	typ := events.StaffDisabled{}.EventType()
	for _, tc := range []struct {
		subject string
		want    uint64
	}{
		{events.Subject(typ, "ada"), 1},
		{events.TypeFilter(typ), 2},
		{"", 2},
	} {
		if got := servicetest.StreamMsgs(t, s.JS, "IDENTITY", tc.subject); got != tc.want {
			t.Errorf("StreamMsgs(%q) = %d, want %d", tc.subject, got, tc.want)
		}
	}
}

func TestClockAndCode(t *testing.T) {
	day := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	c := servicetest.NewClock(day)
	c.Add(time.Hour)
	if got := c.Now(); !got.Equal(day.Add(time.Hour)) {
		t.Fatalf("after Add: %v", got)
	}
	c.Set(day)
	if got := c.Now(); !got.Equal(day) {
		t.Fatalf("after Set: %v", got)
	}
	if servicetest.Code(nil) != "" || servicetest.Code(events.Errorf(events.CodeForbidden, "no")) != events.CodeForbidden {
		t.Fatal("Code does not tell success from a refusal")
	}
}
