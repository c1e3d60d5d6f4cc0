// Package mentorshipapi is the mentorship service's contract with its callers: the operations it
// answers, each with its request and reply types.
package mentorshipapi

import "onramp.dev/events"

// The mentorship service's operations: every query and command it answers, as its server
// registers them (services/mentorship/server/ops.go).
//
// Queries answer from the service's model and change nothing.
var (
	OpMentorsList    = events.Op[events.MentorsRequest, events.MentorsReply]{Service: events.MentorshipService, Name: events.OpMentorsList}
	OpProfileGet     = events.Op[events.MentorProfileRequest, events.MentorProfileView]{Service: events.MentorshipService, Name: events.OpProfileGet}
	OpSuggestions    = events.Op[events.SuggestionsRequest, events.SuggestionsReply]{Service: events.MentorshipService, Name: events.OpSuggestions}
	OpMentorshipList = events.Op[events.MentorshipsRequest, events.MentorshipsReply]{Service: events.MentorshipService, Name: events.OpMentorshipList} // scoped to the caller
	OpPartners       = events.Op[events.None, events.PeopleIDs]{Service: events.MentorshipService, Name: events.OpPartners}                            // the caller's mentor and mentees while each mentorship lasts
	OpMentorshipGet  = events.Op[events.MentorshipRequest, events.MentorshipView]{Service: events.MentorshipService, Name: events.OpMentorshipGet}
	OpMentorCoverage = events.Op[events.CoverageRequest, events.CoverageReply]{Service: events.MentorshipService, Name: events.OpMentorCoverage} // HR, admin; a lead: their team's hires
)

// Commands decide against the model and append the events they return.
var (
	OpProfilePut        = events.Op[events.MentorProfileRequest, events.MentorProfileView]{Service: events.MentorshipService, Name: events.OpProfilePut} // the caller's own
	OpProfileNominate   = events.Op[events.NominateRequest, events.MentorProfileView]{Service: events.MentorshipService, Name: events.OpProfileNominate}
	OpMentorshipPropose = events.Op[events.ProposeRequest, events.MentorshipView]{Service: events.MentorshipService, Name: events.OpMentorshipPropose}
	OpMentorshipAccept  = events.Op[events.MentorshipRequest, events.MentorshipView]{Service: events.MentorshipService, Name: events.OpMentorshipAccept}
	OpMentorshipDecline = events.Op[events.MentorshipRequest, events.MentorshipView]{Service: events.MentorshipService, Name: events.OpMentorshipDecline}
	OpMentorshipEnd     = events.Op[events.MentorshipRequest, events.MentorshipView]{Service: events.MentorshipService, Name: events.OpMentorshipEnd}
	OpCheckinLog        = events.Op[events.CheckinRequest, events.MentorshipView]{Service: events.MentorshipService, Name: events.OpCheckinLog}
	OpCheckinEdit       = events.Op[events.CheckinRequest, events.MentorshipView]{Service: events.MentorshipService, Name: events.OpCheckinEdit}
	OpFeedbackGive      = events.Op[events.FeedbackRequest, events.MentorshipView]{Service: events.MentorshipService, Name: events.OpFeedbackGive}
	OpMentorshipSeed    = events.Op[events.MentorshipSeedRequest, events.MentorshipView]{Service: events.MentorshipService, Name: events.OpMentorshipSeed}
)
