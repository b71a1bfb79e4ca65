// The action's entry, for its main and its post step: the main step saves isPost, so the post run
// (which sees the saved state) knows it is the post step, as actions/checkout does.
import './dirname-shim.js'
import * as core from '@actions/core'
import { run } from './main.js'
import { post } from './post.js'
import { IS_POST_KEY } from './run-state.js'

if (core.getState(IS_POST_KEY) === 'true') await post()
else await run()
