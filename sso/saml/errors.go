package saml

import "fmt"

// Check names the validation step a response failed.
type Check string

const (
	CheckInput             Check = "input"              // not base64, oversize, not XML, not a Response
	CheckDTD               Check = "dtd"                // a DOCTYPE or entity declaration
	CheckAssertionCount    Check = "assertion_count"    // none, or several, assertions anywhere in the document
	CheckDecrypt           Check = "decrypt"            // an EncryptedAssertion our key does not open
	CheckSignature         Check = "signature"          // bad, missing or foreign-key signature
	CheckUnsignedAssertion Check = "unsigned_assertion" // the assertion itself carries no signature
	CheckSubject           Check = "subject"            // no Subject
	CheckNameID            Check = "name_id"            // missing, empty, foreign-namespace or commented NameID
	CheckBearer            Check = "bearer"             // no bearer SubjectConfirmation
	CheckConditions        Check = "conditions"         // no Conditions
	CheckAudience          Check = "audience"           // no AudienceRestriction, or not us
	CheckTime              Check = "time"               // outside NotBefore/NotOnOrAfter (with skew)
	CheckDestination       Check = "destination"        // Response Destination is not our ACS URL
	CheckRecipient         Check = "recipient"          // SubjectConfirmationData Recipient is not our ACS URL
	CheckIssuer            Check = "issuer"             // issuer is not the IdP's entity ID
	CheckInResponseTo      Check = "in_response_to"     // a request we never sent, sent to another browser, or already used
	CheckUnsolicited       Check = "unsolicited"        // IdP-initiated while the connection does not allow it
	CheckStatus            Check = "status"             // the IdP reported a failure status
	CheckReplay            Check = "replay"             // assertion ID seen before
	CheckInternal          Check = "internal"           // a panic or error on our side
)

// ValidationError is a refused response. Error() is safe to show; the
// caller logs PrivateErr, which may quote the response.
type ValidationError struct {
	Check      Check
	PrivateErr error
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("saml: response refused (%s)", e.Check)
}

func (e *ValidationError) Unwrap() error { return e.PrivateErr }

func refuse(check Check, format string, args ...any) *ValidationError {
	return &ValidationError{Check: check, PrivateErr: fmt.Errorf(format, args...)}
}
