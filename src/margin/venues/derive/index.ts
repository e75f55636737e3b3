/** Derive's risk managers as dpm margin methods (presets `derive` and `derive-srm`). */
export { derivePm2Result, pm2Subaccounts } from "./pm2Model.js";
export { deriveSrmResult, srmAccount } from "./srmModel.js";
export { pm2Margin, type Pm2Account, type Pm2Result } from "./pm2.js";
export { srmMargin, type SrmMarket, type SrmResult } from "./srm.js";
export { deriveSviVol } from "./vol.js";
export type * from "./params.js";
