// Package sso is the browser edge of single sign-on: /sso/start
// (home-realm discovery by verified email domain or team slug, and a
// chooser when a team has several connections), the SAML SP metadata,
// AuthnRequest and ACS endpoints, the OIDC login and callback, and the
// HTML pages that explain a refusal with a support reference.
//
// Protocol work lives in sso/saml and sso/oidc; decisions in policy; the
// account, session and audit writes in accounts.Service. Every sign-in in
// flight is a database row bound to the browser by a cookie, so any
// replica can finish what another started. sso never imports
// accounts/web, scim or a store package.
package sso
