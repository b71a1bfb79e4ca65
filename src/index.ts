// The action's entry: nothing but the call.
import './dirname-shim.js'
import { run } from './main.js'

await run()
