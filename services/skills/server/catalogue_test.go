package server

import (
	"context"
	"slices"
	"testing"

	"onramp.dev/events"
	"onramp.dev/infra/rpc"
)

// announcements are the catalogue announcements on the stream, oldest first.
func (f *fixture) announcements(t *testing.T) []events.CatalogueChanged {
	t.Helper()
	ctx := context.Background()
	s, err := f.js.Stream(ctx, "SKILLS")
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []events.CatalogueChanged
	for seq := info.State.FirstSeq; seq > 0 && seq <= info.State.LastSeq; seq++ {
		msg, err := s.GetMsg(ctx, seq)
		if err != nil || msg.Subject != catalogueSubject {
			continue
		}
		env, err := events.Decode(msg.Data)
		if err != nil {
			t.Fatal(err)
		}
		var e events.CatalogueChanged
		if err := env.Payload(&e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// The skills service announces the effective catalogue: once at first start, again after
// an import (with the imported skill), and not again when nothing changed.
func TestCatalogueChangesAreAnnounced(t *testing.T) {
	f := setup(t)
	list := must[events.SkillsReply](t)(call[events.SkillsReply](t, f, events.OpSkillsList, f.as(t, "hire"), nil))
	got := f.announcements(t)
	if len(got) != 1 || !slices.Equal(got[0].Skills, list.Items) {
		t.Fatalf("at start: %d announcements", len(got))
	}
	good := "- code: ORG-A\n  name: Alpha\n  category: Tech\n  min_level: 2\n  max_level: 5\n"
	must[events.SkillImportReply](t)(call[events.SkillImportReply](t, f, events.OpSkillsImport, f.as(t, "hr"), events.SkillImportRequest{Filename: "org.yaml", Content: good}))
	got = f.announcements(t)
	if len(got) != 2 || !slices.ContainsFunc(got[1].Skills, func(s events.Skill) bool { return s.ID == "ORG-A" && s.Name == "Alpha" }) {
		t.Fatalf("after import: %+v", got)
	}
	// Other services may read the catalogue too.
	sys := must[events.SkillsReply](t)(call[events.SkillsReply](t, f, events.OpSkillsList, rpc.Caller{System: true}, nil))
	if !slices.Equal(sys.Items, got[1].Skills) {
		t.Fatal("the catalogue served differs from the one announced")
	}
	_ = f.m.Close()
	f.m = f.start(t, "skills-training")
	if n := len(f.announcements(t)); n != 2 {
		t.Fatalf("a restart without changes announced again: %d announcements", n)
	}
}
