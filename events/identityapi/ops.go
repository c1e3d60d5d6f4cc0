package identityapi

import "onramp.dev/events"

// The identity service's operations: every query and command it answers, as its server
// registers them (services/identity/server/ops.go).
//
// Queries answer from the service's model and change nothing.
var (
	OpKeys          = events.Op[events.None, events.KeysReply]{Service: events.IdentityService, Name: events.OpKeys}
	OpSession       = events.Op[events.None, Session]{Service: events.IdentityService, Name: events.OpSession}                 // the caller, if the session is live, and the sections they may open
	OpPeopleList    = events.Op[events.PeopleRequest, PeopleReply]{Service: events.IdentityService, Name: events.OpPeopleList} // one page, scoped to the caller
	OpPeopleGet     = events.Op[events.PersonRequest, events.Person]{Service: events.IdentityService, Name: events.OpPeopleGet}
	OpPeopleVisible = events.Op[events.PeopleIDs, events.PeopleIDs]{Service: events.IdentityService, Name: events.OpPeopleVisible} // which of these people's profiles the caller may open
	OpTeams         = events.Op[events.None, events.TeamsReply]{Service: events.IdentityService, Name: events.OpTeams}             // the teams the caller may see
	OpLinkCheck     = events.Op[events.LinkRequest, events.Person]{Service: events.IdentityService, Name: events.OpLinkCheck}      // name only
)

// Commands decide against the model and append the events they return.
var (
	OpKeysRotate   = events.Op[events.None, events.KeysReply]{Service: events.IdentityService, Name: events.OpKeysRotate} // system
	OpLogin        = events.Op[events.LoginRequest, events.TokenReply]{Service: events.IdentityService, Name: events.OpLogin}
	OpRefresh      = events.Op[events.RefreshRequest, events.TokenReply]{Service: events.IdentityService, Name: events.OpRefresh}
	OpLogout       = events.Op[events.RefreshRequest, events.None]{Service: events.IdentityService, Name: events.OpLogout}
	OpInvite       = events.Op[events.InviteRequest, events.InviteReply]{Service: events.IdentityService, Name: events.OpInvite}
	OpIssueLink    = events.Op[events.PersonRequest, events.InviteReply]{Service: events.IdentityService, Name: events.OpIssueLink}
	OpDisable      = events.Op[events.DisableRequest, events.Person]{Service: events.IdentityService, Name: events.OpDisable}
	OpEnable       = events.Op[events.DisableRequest, events.Person]{Service: events.IdentityService, Name: events.OpEnable} // re-enable a disabled person
	OpSetPassword  = events.Op[events.SetPasswordRequest, events.None]{Service: events.IdentityService, Name: events.OpSetPassword}
	OpEnsurePerson = events.Op[events.EnsureRequest, events.Person]{Service: events.IdentityService, Name: events.OpEnsurePerson} // seeding
)
