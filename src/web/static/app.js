document.querySelectorAll('table.sortable').forEach(function(t){
  t.querySelectorAll('th').forEach(function(th,i){
    th.addEventListener('click',function(){
      var rows=Array.from(t.tBodies[0].rows),asc=th.dataset.asc!=='1';
      rows.sort(function(a,b){var x=a.cells[i].dataset.v||a.cells[i].innerText,y=b.cells[i].dataset.v||b.cells[i].innerText;
        var nx=parseFloat(x),ny=parseFloat(y);var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y,'zh');return asc?c:-c;});
      th.dataset.asc=asc?'1':'0';rows.forEach(function(r){t.tBodies[0].appendChild(r);});
    });
  });
});
// Year pickers and other selects that apply at once.
document.querySelectorAll('select[data-autosubmit]').forEach(function(sel){
  sel.addEventListener('change',function(){sel.form.submit();});
});
// Uploads of a file as the request body (imports, documents, attachments):
// a form with data-upload (the address) and data-csrf; its hidden fields
// and the file's name go in the query; the reply's text is shown beside it.
document.querySelectorAll('form[data-upload]').forEach(function(f){f.addEventListener('submit',function(e){e.preventDefault();
  var file=f.querySelector('input[type=file]').files[0];if(!file)return;var out=f.querySelector('.report');
  var q=new URLSearchParams();f.querySelectorAll('input[type=hidden][name]').forEach(function(h){q.set(h.name,h.value);});q.set('filename',file.name);
  if(out){out.hidden=false;out.textContent='上传中……';}
  fetch(f.dataset.upload+'?'+q.toString(),{method:'POST',body:file,headers:{'X-CSRF-Token':f.dataset.csrf}})
  .then(function(r){return r.json().then(function(j){var t=j.text||j.error||(r.ok?'已上传':'上传失败');
    if(out)out.textContent=t;if(r.ok&&f.dataset.reload)setTimeout(function(){location.reload();},600);});})
  .catch(function(err){if(out)out.textContent='上传失败：'+err;});});});
