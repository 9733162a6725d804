// Owns what FreeRADIUS does per benchmark scenario: the modules and the authorize/authenticate sections.
import type { Scenario } from './scenario.js';

/** The scenario-specific part of radiusd.conf. */
export interface FreeRadiusPolicy {
  readonly modules: string;
  readonly authorize: string;
  readonly authenticate: string;
}

/**
 * How long a State stays in the cache. Assent's default `secondFactor.challengeSeconds` is 120; the benchmark's
 * second request follows the first within milliseconds, so the TTL only bounds the memory of abandoned flows.
 */
const STATE_TTL_SECONDS = 120;

const PAP: FreeRadiusPolicy = {
  modules: '',
  authorize: `
    files
    pap`,
  authenticate: `
    Auth-Type PAP {
      pap
    }`,
};

/**
 * pap-totp-suffix: User-Password is the password immediately followed by the 6-digit code (Assent's `concat`).
 * unlang splits off the last six digits into TOTP-Password; `files` puts the user's SSHA2-256-Password and
 * TOTP-Secret (base32) into control; pap checks the rest, then rlm_totp the code (3.2.1: SHA-1, 6 digits,
 * 30 s, the current and the previous step; no replay guard).
 */
const SUFFIX: FreeRadiusPolicy = {
  modules: `
  totp {
  }
  always reject {
    rcode = reject
  }`,
  authorize: `
    if (&User-Password =~ /^(.*)([0-9]{6})$/) {
      update request {
        &TOTP-Password := "%{2}"
        &User-Password := "%{1}"
      }
    }
    else {
      reject
    }
    files
    pap`,
  authenticate: `
    Auth-Type PAP {
      pap
      totp
    }`,
};

/**
 * challenge-totp: the first request (no State) is checked by files + pap; on success the reply is an
 * Access-Challenge with 16 random octets of State, and rlm_cache (in-memory red-black tree) keeps
 * User-Name and TOTP-Secret under that State. The second request carries the State: the cache entry is read
 * (unknown State → reject), expired at once so a State works only once, the User-Name must match, and
 * rlm_totp checks User-Password as the code.
 */
const CHALLENGE: FreeRadiusPolicy = {
  modules: `
  totp {
  }
  always reject {
    rcode = reject
  }
  always handled {
    rcode = handled
  }
  # %{randstr:...} comes from rlm_expr.
  expr {
  }
  cache cache_state {
    driver = "rlm_cache_rbtree"
    key = "%{%{request:State}:-%{reply:State}}"
    ttl = ${STATE_TTL_SECONDS}
    add_stats = no
    update {
      &control:TOTP-Secret := &control:TOTP-Secret
      &control:Tmp-String-0 := &request:User-Name
    }
  }`,
  authorize: `
    if (&State) {
      update control {
        &Cache-Read-Only := yes
      }
      cache_state
      # 3.2.1 returns ok for a hit under Cache-Read-Only (the module docs say updated): accept either.
      if (!ok && !updated) {
        reject
      }
      update control {
        &Cache-TTL := 0
      }
      cache_state
      if (&control:Tmp-String-0 != &User-Name) {
        reject
      }
      update request {
        &TOTP-Password := &User-Password
      }
      update control {
        &Auth-Type := TOTP
      }
    }
    else {
      files
      pap
    }`,
  authenticate: `
    Auth-Type PAP {
      pap
      update reply {
        &State := "0x%{randstr:hhhhhhhhhhhhhhhh}"
        &Reply-Message := "Enter token code"
      }
      cache_state
      update control {
        &Response-Packet-Type := Access-Challenge
      }
      handled
    }
    Auth-Type TOTP {
      totp
    }`,
};

/** The FreeRADIUS side of `scenario`. */
export function freeRadiusPolicy(scenario: Scenario): FreeRadiusPolicy {
  switch (scenario) {
    case 'pap':
      return PAP;
    case 'pap-totp-suffix':
      return SUFFIX;
    case 'challenge-totp':
      return CHALLENGE;
  }
}
