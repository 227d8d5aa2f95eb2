// The dashboard's candidates form as a Placement query, the answer as marks, refusals as text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type CandidateForm,
  candidateMarks,
  candidateQuery,
  errorText,
  FormError,
} from '../../../src/dashboard/candidates.js';

const form = (over: Partial<CandidateForm> = {}): CandidateForm => ({
  resources: '',
  required: '',
  groups: '',
  groupPolicy: '',
  limit: '',
  canSplit: '',
  ...over,
});

describe('dashboard candidates', () => {
  it('builds the query: unsuffixed group, granular groups, policy, limit, can_split; blanks left out', () => {
    const q = candidateQuery(
      form({
        resources: ' SRIOV_NET_VF:2 ',
        required: 'CUSTOM_PHYSNET_PUBLIC, !CUSTOM_X',
        groups: '1 SRIOV_NET_VF:1 CUSTOM_PHYSNET_PUBLIC\n\n  _NET VCPU:1  \n',
        groupPolicy: 'isolate',
        limit: ' 5 ',
        canSplit: 'SRIOV_NET_VF',
      }),
    );
    assert.deepEqual(
      [...new URLSearchParams(q)],
      [
        ['resources', 'SRIOV_NET_VF:2'],
        ['required', 'CUSTOM_PHYSNET_PUBLIC,!CUSTOM_X'],
        ['resources1', 'SRIOV_NET_VF:1'],
        ['required1', 'CUSTOM_PHYSNET_PUBLIC'],
        ['resources_NET', 'VCPU:1'],
        ['group_policy', 'isolate'],
        ['limit', '5'],
        ['can_split', 'SRIOV_NET_VF'],
      ],
    );
    assert.equal(candidateQuery(form()), '');
  });

  it('a malformed group line is a FormError naming it; what Placement checks is left to Placement', () => {
    assert.throws(() => candidateQuery(form({ groups: 'SRIOV_NET_VF:1' })), FormError);
    assert.throws(() => candidateQuery(form({ groups: '1 A:1 B C' })), /granular group "1 A:1 B C"/);
    assert.throws(() => candidateQuery(form({ groups: 'bad/suffix A:1' })), FormError);
    assert.equal(new URLSearchParams(candidateQuery(form({ limit: 'x' }))).get('limit'), 'x');
  });

  it("marks: each candidate's providers and amounts, 1-based in the answer's order", () => {
    const marks = candidateMarks({
      allocation_requests: [
        { allocations: { a: { resources: { SRIOV_NET_VF: 3 } }, b: { resources: { SRIOV_NET_VF: 2 } } } },
        { allocations: { c: { resources: { SRIOV_NET_VF: 5, VCPU: 1 } } }, mappings: { '': ['c'] } },
      ],
      provider_summaries: {},
    });
    assert.deepEqual(marks, [
      { index: 1, providers: { a: { SRIOV_NET_VF: 3 }, b: { SRIOV_NET_VF: 2 } } },
      { index: 2, providers: { c: { SRIOV_NET_VF: 5, VCPU: 1 } } },
    ]);
    assert.deepEqual(candidateMarks({ allocation_requests: [] }), []);
    assert.deepEqual(candidateMarks(null), []);
  });

  it("refusals as text: Placement's error details, webob's and keystonemiddleware's bodies", () => {
    assert.equal(
      errorText(400, { errors: [{ status: 400, title: 'Bad Request', detail: 'Invalid resource' }] }),
      '400: Invalid resource',
    );
    assert.equal(
      errorText(401, { message: 'This server could not verify.<br /><br />\n\n\n', title: 'Unauthorized' }),
      '401: This server could not verify.',
    );
    assert.equal(
      errorText(401, { error: { code: 401, message: 'The request you have made requires authentication.' } }),
      '401: The request you have made requires authentication.',
    );
    assert.equal(errorText(502, null), '502: no answer body');
  });
});
