package devstack

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"

	"github.com/nats-io/nats-server/v2/server"

	"onramp.dev/events"
)

// When the embedded NATS listens on TCP (`onramp infra`, for services run as separate
// processes), every client signs in as a user, and each service's user may publish events
// only on its own domain's subjects (plus the few grants below): a service can never append
// to another domain's stream, and none may delete or purge a stream or a stored message.
// Requests and replies, dead letters, JetStream's API and acknowledgements, key-value
// buckets, object stores and service discovery stay open to all. The "admin" user
// (`onramp seed`, operators' tools) has no limits.
//
// The same rules as a nats-server configuration file, for an external NATS (passwords
// elided; one entry per service):
//
//	authorization {
//	  users = [
//	    {user: admin, password: "…"}
//	    {user: onboarding, password: "…", permissions: {publish: {
//	      allow: ["onramp.onboarding.>", "onramp.rpc.>", "onramp.deadletter.>", "_INBOX.>",
//	              "$JS.>", "$KV.>", "$O.>", "$SRV.>"],
//	      deny: ["$JS.API.STREAM.DELETE.>", "$JS.API.STREAM.PURGE.>", "$JS.API.STREAM.MSG.DELETE.>"]}}}
//	    {user: identity, … as above with "onramp.identity.staff.>" (IDENTITY),
//	              "onramp.identity.session.>" (SESSIONS) and "onramp.notify.link.>" …}
//	    {user: web, … as above without any domain's subjects …}
//	  ]
//	}

// ServiceUsers are the users the embedded NATS knows when it listens on TCP: one per
// domain service, web, and admin.
var ServiceUsers = []string{"identity", "onboarding", "training", "skills", "mentorship", "notify", "web", "admin"}

// grants are the only appends across domains: identity hands a new set-password link to
// notify, whose stream keeps it for the e-mail, and nowhere else.
var grants = map[string][]string{"identity": {events.Prefix + ".notify.link.>"}}

// Permissions are what user may do (nil: anything).
func Permissions(user string) *server.Permissions {
	if user == "admin" {
		return nil
	}
	allow := []string{events.RPCPrefix + ".>", events.DeadLetterPrefix + ".>", "_INBOX.>", "$JS.>", "$KV.>", "$O.>", "$SRV.>"}
	for _, s := range events.Streams {
		if s.Service() == user {
			allow = append(allow, s.Subjects...)
		}
	}
	allow = append(allow, grants[user]...)
	deny := []string{"$JS.API.STREAM.DELETE.>", "$JS.API.STREAM.PURGE.>", "$JS.API.STREAM.MSG.DELETE.>"}
	return &server.Permissions{Publish: &server.SubjectPermission{Allow: allow, Deny: deny}}
}

// users makes the users with fresh passwords.
func users() ([]*server.User, map[string]string) {
	var out []*server.User
	pw := map[string]string{}
	for _, u := range ServiceUsers {
		b := make([]byte, 18)
		_, _ = rand.Read(b)
		pw[u] = hex.EncodeToString(b)
		out = append(out, &server.User{Username: u, Password: pw[u], Permissions: Permissions(u)})
	}
	return out, pw
}

// UserURL is the NATS URL for user (with its password), or "" when NATS has no listener.
func (s *Stack) UserURL(user string) string {
	if s.natsURL == "" || s.passwords[user] == "" {
		return ""
	}
	u, err := url.Parse(s.natsURL)
	if err != nil {
		return ""
	}
	u.User = url.UserPassword(user, s.passwords[user])
	return u.String()
}
