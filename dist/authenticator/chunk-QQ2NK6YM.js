// Assent web authenticator fd5508234570: built by scripts/build-web.ts from src/web/authenticator; do not edit. jsQR 1.4.0 (Apache-2.0, github.com/cozmo/jsQR) is bundled for QR codes.
var d=(b,a)=>()=>{try{return a||b((a={exports:{}}).exports,a),a.exports}catch(c){throw a=0,c}};export{d as a};
