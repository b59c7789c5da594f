// Package saml is idbridge's SAML 2.0 service provider: one
// crewjam/saml ServiceProvider per connection (never samlsp, which serves
// one IdP and tracks requests in a cookie), SP metadata, signed
// AuthnRequests (RSA-SHA256) and the validation of IdP responses.
//
// crewjam/saml checks signatures, issuer, destination, recipient, audience
// values and time windows. Validate adds what it leaves out: bounded
// input, no DTDs or entities, exactly one assertion, the assertion itself
// signed, a bearer SubjectConfirmation, a required AudienceRestriction, a
// plain non-empty NameID in the SAML namespace, Subject and Conditions
// present (crewjam panics without them), the InResponseTo of the response
// and of its confirmations agreeing, and a configurable clock skew. The
// caller adds the two checks that need the database: the request ID was
// issued to this browser and not used, and the assertion ID is new.
//
// It never logs; failures are *ValidationError values whose Check says
// which check failed and whose PrivateErr the caller logs.
package saml
